// The factor rows of the SSM implicit attention: decays exp(A·ΣΔ) weighted by C, or by B and Δ.
#include "DecayKernels.h"
#include "Lanes.h"

HL_INLINE void hl_decay_row_body(float *x, int states, int width, const float *negA, int aStride,
                                 const float *span, const float *weightN, const float *weightC) {
    for (int n = 0; n < states; n++) {
        const float *a = negA + (long)n * aStride;
        float *row = x + (long)n * width;
        hl_vf scale = hl_splat(weightN ? weightN[n] : 1.0f);
        int c = 0;
        for (; c < width; c += HL_LANES) {
            int lanes = width - c < HL_LANES ? width - c : HL_LANES;
            hl_vf decay, extra;
            if (lanes == HL_LANES) {
                decay = hl_exp(hl_load(a + c) * hl_load(span + c));
                extra = weightC ? hl_load(weightC + c) : hl_splat(1.0f);
                hl_store(row + c, scale * extra * decay);
            } else {
                decay = hl_exp(hl_load_partial(a + c, lanes, 0) * hl_load_partial(span + c, lanes, 0));
                extra = weightC ? hl_load_partial(weightC + c, lanes, 0) : hl_splat(1.0f);
                hl_store_partial(row + c, scale * extra * decay, lanes);
            }
        }
    }
}
HL_VARIANTS(hl_decay_row, (float *x, int states, int width, const float *negA, int aStride, const float *span,
                           const float *weightN, const float *weightC),
            (x, states, width, negA, aStride, span, weightN, weightC))
void hl_decay_row(hl_level level, float *x, int states, int width, const float *negA, int aStride,
                  const float *span, const float *weightN, const float *weightC) {
    HL_DISPATCH(hl_decay_row, level, (x, states, width, negA, aStride, span, weightN, weightC));
}

HL_INLINE void hl_multiply_body(float *out, const float *a, const float *b, long count) {
    long i = 0;
    for (; i + HL_LANES <= count; i += HL_LANES) hl_store(out + i, hl_load(a + i) * hl_load(b + i));
    for (; i < count; i++) out[i] = a[i] * b[i];
}
HL_VARIANTS(hl_multiply, (float *out, const float *a, const float *b, long count), (out, a, b, count))
void hl_multiply(hl_level level, float *out, const float *a, const float *b, long count) {
    HL_DISPATCH(hl_multiply, level, (out, a, b, count));
}
