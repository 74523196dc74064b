#ifndef HYMBA_DECAY_KERNELS_H
#define HYMBA_DECAY_KERNELS_H

#include <stdint.h>
#include "KernelLevel.h"

/// One row of SSM implicit-attention factors over K = states × width columns (n-major):
///     x[n·width + c] = weightN[n] · weightC[c] · exp(A[n·aStride + c] · span[c])
/// weightN or weightC NULL means 1. `span` is the row's Σ Δ over the decay's interval per channel.
void hl_decay_row(hl_level level, float *x, int states, int width, const float *negA, int aStride,
                  const float *span, const float *weightN, const float *weightC);

/// The same over a packed list of columns (any subset of the (n, c) pairs, in any order), with
/// the span taken per column from two rows of prefix sums (the difference in double, rounded):
///     x[i] = weightN[n] · weightC[c] · exp(rates[i] · (float)(upper[c] − lower[c])),
///     c = channelOf[i], n = stateOf[i].
/// weightC NULL means 1; `rates` carries each column's A, negated for a growing factor.
void hl_packed_decay_row(hl_level level, float *x, int count, const float *rates, const int32_t *channelOf,
                         const int32_t *stateOf, const double *upper, const double *lower, const float *weightN,
                         const float *weightC);

/// out[i] = a[i] · b[i] over `count` values (out may be a).
void hl_multiply(hl_level level, float *out, const float *a, const float *b, long count);

#endif
