// Attention's row softmax, with the mask applied as ranges (a row's visible keys are its meta
// keys and one window run), so masked scores are never exponentiated.
#include "SoftmaxKernel.h"
#include "Lanes.h"

HL_INLINE float range_max(const float *x, int begin, int end, float m) {
    int j = begin;
    if (end - begin >= HL_LANES) {
        hl_vf lanes = hl_load(x + j);
        for (j += HL_LANES; j + HL_LANES <= end; j += HL_LANES) {
            hl_vf v = hl_load(x + j);
            lanes = v > lanes ? v : lanes;
        }
        float vm = hl_max_lane(lanes);
        m = vm > m ? vm : m;
    }
    for (; j < end; j++) m = x[j] > m ? x[j] : m;
    return m;
}

/// x = exp(x − shift) over [begin, end); returns the sum of the results.
HL_INLINE float range_exp(float *x, int begin, int end, float shift) {
    hl_vf lanes = 0;
    int j = begin;
    for (; j + HL_LANES <= end; j += HL_LANES) {
        hl_vf e = hl_exp(hl_load(x + j) - shift);
        hl_store(x + j, e);
        lanes = lanes + e;
    }
    if (j < end) {
        int rest = end - j;
        hl_vf e = hl_exp(hl_load_partial(x + j, rest, -__builtin_inff()) - shift);
        hl_store_partial(x + j, e, rest);
        lanes = lanes + e;
    }
    return hl_sum(lanes);
}

HL_INLINE void range_scale(float *x, int begin, int end, float factor) {
    int j = begin;
    for (; j + HL_LANES <= end; j += HL_LANES) hl_store(x + j, hl_load(x + j) * factor);
    for (; j < end; j++) x[j] *= factor;
}

HL_INLINE void zero_range(float *x, int begin, int end) {
    for (int j = begin; j < end; j++) x[j] = 0;
}

HL_INLINE void hl_masked_softmax_body(float *row, int count, int begin0, int end0, int begin1, int end1) {
    if (end0 < begin0) end0 = begin0;
    if (end1 < begin1) end1 = begin1;
    float m = range_max(row, begin0, end0, -__builtin_inff());
    m = range_max(row, begin1, end1, m);
    float sum = range_exp(row, begin0, end0, m) + range_exp(row, begin1, end1, m);
    float inverse = 1.0f / sum;
    range_scale(row, begin0, end0, inverse);
    range_scale(row, begin1, end1, inverse);
    zero_range(row, 0, begin0);
    zero_range(row, end0, begin1 > end0 ? begin1 : end0);
    zero_range(row, end1 > end0 ? end1 : end0, count);
}
HL_VARIANTS(hl_masked_softmax, (float *row, int count, int begin0, int end0, int begin1, int end1),
            (row, count, begin0, end0, begin1, end1))
void hl_masked_softmax(hl_level level, float *row, int count, int begin0, int end0, int begin1, int end1) {
    HL_DISPATCH(hl_masked_softmax, level, (row, count, begin0, end0, begin1, end1));
}
