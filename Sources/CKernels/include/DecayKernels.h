#ifndef HYMBA_DECAY_KERNELS_H
#define HYMBA_DECAY_KERNELS_H

#include "KernelLevel.h"

/// One row of SSM implicit-attention factors over K = states × width columns (n-major):
///     x[n·width + c] = weightN[n] · weightC[c] · exp(A[n·aStride + c] · span[c])
/// weightN or weightC NULL means 1. `span` is the row's Σ Δ over the decay's interval per channel.
void hl_decay_row(hl_level level, float *x, int states, int width, const float *negA, int aStride,
                  const float *span, const float *weightN, const float *weightC);

/// out[i] = a[i] · b[i] over `count` values (out may be a).
void hl_multiply(hl_level level, float *out, const float *a, const float *b, long count);

#endif
