// Elementwise passes of the forward (Δ's softplus, the SiLU gates, the causal conv), each one
// read and one write of its rows.
#include "ElementwiseKernels.h"
#include "Lanes.h"
#include <math.h>

HL_INLINE void hl_exp_in_place_body(float *x, long count) {
    long i = 0;
    for (; i + HL_LANES <= count; i += HL_LANES) hl_store(x + i, hl_exp(hl_load(x + i)));
    if (i < count) hl_store_partial(x + i, hl_exp(hl_load_partial(x + i, (int)(count - i), 0)), (int)(count - i));
}
HL_VARIANTS(hl_exp_in_place, (float *x, long count), (x, count))
void hl_exp_in_place(hl_level level, float *x, long count) { HL_DISPATCH(hl_exp_in_place, level, (x, count)); }

HL_INLINE void hl_log_in_place_body(float *x, long count) {
    long i = 0;
    for (; i + HL_LANES <= count; i += HL_LANES) hl_store(x + i, hl_log(hl_load(x + i)));
    if (i < count) hl_store_partial(x + i, hl_log(hl_load_partial(x + i, (int)(count - i), 1)), (int)(count - i));
}
HL_VARIANTS(hl_log_in_place, (float *x, long count), (x, count))
void hl_log_in_place(hl_level level, float *x, long count) { HL_DISPATCH(hl_log_in_place, level, (x, count)); }

HL_INLINE void hl_log_sum_exp_body(const float *row, long count, double *result) {
    float m = -__builtin_inff();
    for (long j = 0; j < count; j++) m = row[j] > m ? row[j] : m;
    hl_vf lanes = 0;
    long j = 0;
    for (; j + HL_LANES <= count; j += HL_LANES) lanes = lanes + hl_exp(hl_load(row + j) - m);
    if (j < count) lanes = lanes + hl_exp(hl_load_partial(row + j, (int)(count - j), -__builtin_inff()) - m);
    *result = (double)m + log(hl_sum_double(lanes));
}
HL_VARIANTS(hl_log_sum_exp, (const float *row, long count, double *result), (row, count, result))
double hl_log_sum_exp(hl_level level, const float *row, long count) {
    double result = 0;
    HL_DISPATCH(hl_log_sum_exp, level, (row, count, &result));
    return result;
}

HL_INLINE void hl_softplus_with_bias_body(float *x, int rows, int cols, int stride, const float *bias) {
    for (int t = 0; t < rows; t++) {
        float *row = x + (long)t * stride;
        int j = 0;
        for (; j + HL_LANES <= cols; j += HL_LANES) hl_store(row + j, hl_softplus(hl_load(row + j) + hl_load(bias + j)));
        if (j < cols) {
            int rest = cols - j;
            hl_store_partial(row + j, hl_softplus(hl_load_partial(row + j, rest, 0) + hl_load_partial(bias + j, rest, 0)), rest);
        }
    }
}
HL_VARIANTS(hl_softplus_with_bias, (float *x, int rows, int cols, int stride, const float *bias), (x, rows, cols, stride, bias))
void hl_softplus_with_bias(hl_level level, float *x, int rows, int cols, int stride, const float *bias) {
    HL_DISPATCH(hl_softplus_with_bias, level, (x, rows, cols, stride, bias));
}

HL_INLINE void hl_multiply_by_silu_body(float *out, int stride, const float *gate, int gateStride, int rows, int cols) {
    for (int t = 0; t < rows; t++) {
        float *o = out + (long)t * stride;
        const float *g = gate + (long)t * gateStride;
        int j = 0;
        for (; j + HL_LANES <= cols; j += HL_LANES) hl_store(o + j, hl_load(o + j) * hl_silu(hl_load(g + j)));
        if (j < cols) {
            int rest = cols - j;
            hl_store_partial(o + j, hl_load_partial(o + j, rest, 0) * hl_silu(hl_load_partial(g + j, rest, 0)), rest);
        }
    }
}
HL_VARIANTS(hl_multiply_by_silu, (float *out, int stride, const float *gate, int gateStride, int rows, int cols),
            (out, stride, gate, gateStride, rows, cols))
void hl_multiply_by_silu(hl_level level, float *out, int stride, const float *gate, int gateStride, int rows, int cols) {
    HL_DISPATCH(hl_multiply_by_silu, level, (out, stride, gate, gateStride, rows, cols));
}

/// Row s of xs (s may be negative: then the history, or nothing before it).
HL_INLINE const float *conv_source(const float *input, int inputStride, const float *history, int historyRows,
                                   int channels, int s) {
    if (s >= 0) return input + (long)s * inputStride;
    if (history && s + historyRows >= 0) return history + (long)(s + historyRows) * channels;
    return 0;
}

HL_INLINE void hl_causal_conv_silu_body(const float *input, int inputStride, const float *history, int historyRows,
                                        const float *taps, int width, const float *bias, int channels,
                                        float *out, int firstRow, int endRow) {
    for (int t = firstRow; t < endRow; t++) {
        float *y = out + (long)t * channels;
        int e = 0;
        for (; e < channels; e += HL_LANES) {
            int lanes = channels - e < HL_LANES ? channels - e : HL_LANES;
            hl_vf sum = lanes == HL_LANES ? hl_load(bias + e) : hl_load_partial(bias + e, lanes, 0);
            for (int k = 0; k < width; k++) {
                const float *x = conv_source(input, inputStride, history, historyRows, channels, t - (width - 1) + k);
                if (!x) continue;
                const float *w = taps + (long)k * channels + e;
                if (lanes == HL_LANES) sum = sum + hl_load(w) * hl_load(x + e);
                else sum = sum + hl_load_partial(w, lanes, 0) * hl_load_partial(x + e, lanes, 0);
            }
            if (lanes == HL_LANES) hl_store(y + e, hl_silu(sum));
            else hl_store_partial(y + e, hl_silu(sum), lanes);
        }
    }
}
HL_VARIANTS(hl_causal_conv_silu,
            (const float *input, int inputStride, const float *history, int historyRows, const float *taps, int width,
             const float *bias, int channels, float *out, int firstRow, int endRow),
            (input, inputStride, history, historyRows, taps, width, bias, channels, out, firstRow, endRow))
void hl_causal_conv_silu(hl_level level, const float *input, int inputStride, const float *history, int historyRows,
                         const float *taps, int width, const float *bias, int channels,
                         float *out, int firstRow, int endRow) {
    HL_DISPATCH(hl_causal_conv_silu, level,
                (input, inputStride, history, historyRows, taps, width, bias, channels, out, firstRow, endRow));
}
