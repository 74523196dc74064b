// RMSNorm, alone and fused into the branch average of the hybrid block.
#include "NormKernels.h"
#include "Lanes.h"
#include <math.h>

/// 1 / sqrt(mean(x²) + eps) of one row.
HL_INLINE float inverse_rms(const float *x, int cols, float eps) {
    hl_vf lanes = 0;
    int j = 0;
    for (; j + HL_LANES <= cols; j += HL_LANES) { hl_vf v = hl_load(x + j); lanes = lanes + v * v; }
    double sumSquares = hl_sum_double(lanes);
    for (; j < cols; j++) sumSquares += (double)x[j] * (double)x[j];
    float variance = (float)(sumSquares / (double)cols);
    return 1.0f / sqrtf(variance + eps);
}

HL_INLINE void hl_rms_norm_body(const float *input, int inputStride, int rows, int cols,
                                const float *weight, float eps, float *out, int outStride) {
    for (int t = 0; t < rows; t++) {
        const float *x = input + (long)t * inputStride;
        float *y = out + (long)t * outStride;
        hl_vf inverse = hl_splat(inverse_rms(x, cols, eps));
        int j = 0;
        for (; j + HL_LANES <= cols; j += HL_LANES) hl_store(y + j, hl_load(weight + j) * (hl_load(x + j) * inverse));
        for (; j < cols; j++) y[j] = weight[j] * (x[j] * inverse[0]);
    }
}
HL_VARIANTS(hl_rms_norm, (const float *input, int inputStride, int rows, int cols, const float *weight, float eps,
                          float *out, int outStride),
            (input, inputStride, rows, cols, weight, eps, out, outStride))
void hl_rms_norm(hl_level level, const float *input, int inputStride, int rows, int cols,
                 const float *weight, float eps, float *out, int outStride) {
    HL_DISPATCH(hl_rms_norm, level, (input, inputStride, rows, cols, weight, eps, out, outStride));
}

HL_INLINE void hl_mix_branches_body(const float *a, int aStride, const float *s, int sStride, int rows, int cols,
                                    const float *wa, const float *ws, float eps, int keepA, int keepS,
                                    float *out, int outStride) {
    for (int t = 0; t < rows; t++) {
        const float *xa = a + (long)t * aStride, *xs = s + (long)t * sStride;
        float *y = out + (long)t * outStride;
        // A dropped branch contributes exactly 0 (also when its row is not finite).
        float ia = keepA ? inverse_rms(xa, cols, eps) : 0, is = keepS ? inverse_rms(xs, cols, eps) : 0;
        hl_vf inverseA = hl_splat(ia), inverseS = hl_splat(is);
        int j = 0;
        for (; j + HL_LANES <= cols; j += HL_LANES) {
            hl_vf na = keepA ? hl_load(wa + j) * (hl_load(xa + j) * inverseA) : hl_splat(0);
            hl_vf ns = keepS ? hl_load(ws + j) * (hl_load(xs + j) * inverseS) : hl_splat(0);
            hl_store(y + j, (na + ns) / 2.0f);
        }
        for (; j < cols; j++) {
            float na = keepA ? wa[j] * (xa[j] * ia) : 0, ns = keepS ? ws[j] * (xs[j] * is) : 0;
            y[j] = (na + ns) / 2.0f;
        }
    }
}
HL_VARIANTS(hl_mix_branches, (const float *a, int aStride, const float *s, int sStride, int rows, int cols,
                              const float *wa, const float *ws, float eps, int keepA, int keepS, float *out, int outStride),
            (a, aStride, s, sStride, rows, cols, wa, ws, eps, keepA, keepS, out, outStride))
void hl_mix_branches(hl_level level, const float *a, int aStride, const float *s, int sStride, int rows, int cols,
                     const float *wa, const float *ws, float eps, int keepA, int keepS, float *out, int outStride) {
    HL_DISPATCH(hl_mix_branches, level, (a, aStride, s, sStride, rows, cols, wa, ws, eps, keepA, keepS, out, outStride));
}
