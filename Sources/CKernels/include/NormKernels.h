#ifndef HYMBA_NORM_KERNELS_H
#define HYMBA_NORM_KERNELS_H

#include "KernelLevel.h"

/// RMSNorm of `rows` rows of `cols` values: y = w ⊙ x / sqrt(mean(x²) + eps). Squares are
/// summed in fp32 lanes and reduced in double; the scaling is fp32. `out` may alias `input`
/// (same stride).
void hl_rms_norm(hl_level level, const float *input, int inputStride, int rows, int cols,
                 const float *weight, float eps, float *out, int outStride);

/// The hybrid block's branch average, one pass per row:
///     out = (keepA · RMSNorm(a; wa) + keepS · RMSNorm(s; ws)) / 2
/// (keepA, keepS ∈ {0, 1}: a zeroed branch is the branch ablation). `out` may alias `a`.
void hl_mix_branches(hl_level level, const float *a, int aStride, const float *s, int sStride, int rows, int cols,
                     const float *wa, const float *ws, float eps, int keepA, int keepS, float *out, int outStride);

#endif
