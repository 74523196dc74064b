#ifndef HYMBA_ELEMENTWISE_KERNELS_H
#define HYMBA_ELEMENTWISE_KERNELS_H

#include "KernelLevel.h"

/// x[i] = exp(x[i]) over `count` values.
void hl_exp_in_place(hl_level level, float *x, long count);

/// x[i] = ln(x[i]) over `count` positive values (ln 0 = −inf).
void hl_log_in_place(hl_level level, float *x, long count);

/// ln Σ_j exp(row[j]) over `count` values, the maximum subtracted first; exps are summed in
/// fp32 lanes and the lanes in double.
double hl_log_sum_exp(hl_level level, const float *row, long count);

/// Row t of x (at x + t·stride, `cols` values): x = softplus(x + bias) — Δ after dt_proj, with
/// the dt bias added inside the softplus.
void hl_softplus_with_bias(hl_level level, float *x, int rows, int cols, int stride, const float *bias);

/// out[t, j] *= silu(gate[t, j]) over `rows` strided rows of `cols` values.
void hl_multiply_by_silu(hl_level level, float *out, int stride, const float *gate, int gateStride,
                         int rows, int cols);

/// Mamba's depthwise causal convolution and SiLU for rows [firstRow, endRow):
///     out[t, e] = silu(bias[e] + Σ_k taps[k, e] · xs[t − (K−1) + k, e])
/// where xs row s ≥ 0 is at input + s·inputStride and rows s < 0 are `history` row
/// historyRows + s (zero before that). taps are (K, E), out is (rows, E) contiguous.
void hl_causal_conv_silu(hl_level level, const float *input, int inputStride, const float *history, int historyRows,
                         const float *taps, int width, const float *bias, int channels,
                         float *out, int firstRow, int endRow);

#endif
