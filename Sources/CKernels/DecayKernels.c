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

HL_INLINE void hl_packed_decay_row_body(float *x, int count, const float *rates, const int32_t *channelOf,
                                        const int32_t *stateOf, const double *upper, const double *lower,
                                        const float *weightN, const float *weightC) {
    // The gathers go through plain arrays: a scalar loop the compiler turns into gather
    // instructions, where inserting lanes into a vector one by one costs several times more.
    float exponent[HL_LANES], weight[HL_LANES];
    int i = 0;
    for (; i + HL_LANES <= count; i += HL_LANES) {
        for (int lane = 0; lane < HL_LANES; lane++) {
            const int32_t c = channelOf[i + lane];
            exponent[lane] = rates[i + lane] * (float)(upper[c] - lower[c]);
            weight[lane] = weightC ? weightN[stateOf[i + lane]] * weightC[c] : weightN[stateOf[i + lane]];
        }
        hl_store(x + i, hl_exp(hl_load(exponent)) * hl_load(weight));
    }
    if (i < count) {
        const int lanes = count - i;
        for (int lane = 0; lane < HL_LANES; lane++) {
            const int32_t c = lane < lanes ? channelOf[i + lane] : 0;
            exponent[lane] = lane < lanes ? rates[i + lane] * (float)(upper[c] - lower[c]) : 0;
            weight[lane] = lane >= lanes ? 0 : weightC ? weightN[stateOf[i + lane]] * weightC[c] : weightN[stateOf[i + lane]];
        }
        hl_store_partial(x + i, hl_exp(hl_load(exponent)) * hl_load(weight), lanes);
    }
}
HL_VARIANTS(hl_packed_decay_row, (float *x, int count, const float *rates, const int32_t *channelOf,
                                  const int32_t *stateOf, const double *upper, const double *lower,
                                  const float *weightN, const float *weightC),
            (x, count, rates, channelOf, stateOf, upper, lower, weightN, weightC))
void hl_packed_decay_row(hl_level level, float *x, int count, const float *rates, const int32_t *channelOf,
                         const int32_t *stateOf, const double *upper, const double *lower, const float *weightN,
                         const float *weightC) {
    HL_DISPATCH(hl_packed_decay_row, level, (x, count, rates, channelOf, stateOf, upper, lower, weightN, weightC));
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
