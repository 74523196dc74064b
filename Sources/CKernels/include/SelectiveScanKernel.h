#ifndef HYMBA_SELECTIVE_SCAN_KERNEL_H
#define HYMBA_SELECTIVE_SCAN_KERNEL_H

#include "KernelLevel.h"

/// Inputs and outputs of the selective scan over T rows and E channels (row-major, channels
/// contiguous). Optional pointers may be NULL.
typedef struct {
    int rows;                   // T
    int channels;               // E: row stride of u, delta, out, stateNorms; column count of negA
    int states;                 // N
    const float *u;             // (T, E) scan input
    const float *delta;         // (T, E) Δ after softplus
    const float *negA;          // (N, E) A = −exp(A_log), transposed
    const float *b;             // (T, N)
    const float *c;             // (T, N)
    const float *skip;          // (E) D
    const float *initialState;  // (N, E) s₋₁, or NULL for zeros
    const float *gate;          // z rows at gate + t·gateStride; out is multiplied by silu(z); NULL: no gate
    int gateStride;
    float *out;                 // (T, E) y (⊙ silu(z))
    float *stateNorms;          // (T, E) ‖s_t[e,:]‖₂, or NULL
    float *finalState;          // (E, N) s_{T−1}, or NULL
} hl_scan_problem;

/// The scan for channels [firstChannel, firstChannel + channelCount):
///     s_t[e,:] = exp(Δ[t,e]·A[e,:]) ⊙ s_{t−1}[e,:] + Δ[t,e]·u[t,e]·B[t,:]
///     out[t,e] = (s_t[e,:]·C[t,:] + D[e]·u[t,e]) · silu(z[t,e])
/// `scratch` holds the running state: states × (channelCount rounded up to a multiple of 16) floats.
void hl_selective_scan(hl_level level, const hl_scan_problem *problem, int firstChannel, int channelCount,
                       float *scratch);

#endif
