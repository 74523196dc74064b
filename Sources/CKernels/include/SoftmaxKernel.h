#ifndef HYMBA_SOFTMAX_KERNEL_H
#define HYMBA_SOFTMAX_KERNEL_H

#include "KernelLevel.h"

/// Masked softmax of one score row in place: entries in [begin0, end0) ∪ [begin1, end1)
/// (end0 ≤ begin1) are the visible keys, p = exp(x − max) / Σ exp(x − max) over them; every other entry of the `count`
/// becomes exactly 0. At least one key must be visible.
void hl_masked_softmax(hl_level level, float *row, int count, int begin0, int end0, int begin1, int end1);

#endif
