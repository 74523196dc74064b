// The selective scan, sequential over time and vectorised over channels: the state of a block
// of channels is kept as (N, channels), so each state row is contiguous lanes, and per time
// step every state row is decayed, fed and read out with one exp and three multiply-adds per
// lane. A block's rows of u, Δ and z are a few cache lines each, one page apart, which the
// hardware prefetcher does not follow; they are prefetched a few rows ahead (measured at the
// 1.5B shape: 0.84 → 0.70 ns per state update on one Zen 3 core).
#include "SelectiveScanKernel.h"
#include "Lanes.h"

enum { prefetchRows = 2 };

/// Channels [e, e + count) at row t, count ≤ HL_LANES; `full` (count == HL_LANES) is a
/// compile-time constant at both call sites, so the padded loads only exist in the tail copy.
HL_INLINE void scan_step(const hl_scan_problem *p, int t, int e, int count, int full, float *state, int stateStride,
                         int withNorms) {
    const int n = p->states;
    const long row = (long)t * p->channels + e;
    const float *bRow = p->b + (long)t * n, *cRow = p->c + (long)t * n;
#define HL_SCAN_LOAD(pointer) (full ? hl_load(pointer) : hl_load_partial((pointer), count, 0))
    hl_vf dt = HL_SCAN_LOAD(p->delta + row), x = HL_SCAN_LOAD(p->u + row);
    hl_vf dtx = dt * x;
    hl_vf acc = 0, squares = 0;
    for (int s = 0; s < n; s++) {
        hl_vf decay = hl_exp_nonpositive(dt * HL_SCAN_LOAD(p->negA + (long)s * p->channels + e));
        float *slot = state + s * stateStride;
        hl_vf next = decay * hl_load(slot) + dtx * bRow[s];
        hl_store(slot, next);
        acc = acc + next * cRow[s];
        if (withNorms) squares = squares + next * next;
    }
    hl_vf y = acc + HL_SCAN_LOAD(p->skip + e) * x;
    if (p->gate) y = y * hl_silu(HL_SCAN_LOAD(p->gate + (long)t * p->gateStride + e));
#undef HL_SCAN_LOAD
    if (full) {
        hl_store(p->out + row, y);
        if (withNorms) hl_store(p->stateNorms + row, __builtin_elementwise_sqrt(squares));
    } else {
        hl_store_partial(p->out + row, y, count);
        if (withNorms) hl_store_partial(p->stateNorms + row, __builtin_elementwise_sqrt(squares), count);
    }
}

HL_INLINE void prefetch_row(const hl_scan_problem *p, int t, int first, int count) {
    const long row = (long)t * p->channels + first;
    for (int j = 0; j < count; j += 16) {
        __builtin_prefetch(p->delta + row + j);
        __builtin_prefetch(p->u + row + j);
        if (p->gate) __builtin_prefetch(p->gate + (long)t * p->gateStride + first + j);
        __builtin_prefetch(p->out + row + j, 1);
    }
}

HL_INLINE void scan_rows(const hl_scan_problem *p, int first, int count, float *scratch, int stride, int withNorms) {
    const int whole = count / HL_LANES, rest = count - whole * HL_LANES;
    for (int t = 0; t < p->rows; t++) {
        if (t + prefetchRows < p->rows) prefetch_row(p, t + prefetchRows, first, count);
        for (int v = 0; v < whole; v++) {
            scan_step(p, t, first + v * HL_LANES, HL_LANES, 1, scratch + v * HL_LANES, stride, withNorms);
        }
        if (rest > 0) scan_step(p, t, first + whole * HL_LANES, rest, 0, scratch + whole * HL_LANES, stride, withNorms);
    }
}

HL_INLINE void hl_selective_scan_body(const hl_scan_problem *p, int first, int count, float *scratch) {
    const int n = p->states;
    // scratch[s · stride + j] is the state of channel first + j; the stride is padded to whole
    // vectors so the tail vector reads and writes inside the buffer (its pad lanes stay 0).
    const int stride = (count + HL_LANES - 1) / HL_LANES * HL_LANES;
    for (int s = 0; s < n; s++) {
        for (int j = 0; j < stride; j++) {
            scratch[s * stride + j] = (j < count && p->initialState) ? p->initialState[(long)s * p->channels + first + j] : 0;
        }
    }
    if (p->stateNorms) scan_rows(p, first, count, scratch, stride, 1);
    else scan_rows(p, first, count, scratch, stride, 0);
    if (p->finalState) {
        for (int j = 0; j < count; j++) {
            for (int s = 0; s < n; s++) p->finalState[(long)(first + j) * n + s] = scratch[s * stride + j];
        }
    }
}

HL_VARIANTS(hl_selective_scan, (const hl_scan_problem *p, int first, int count, float *scratch), (p, first, count, scratch))

void hl_selective_scan(hl_level level, const hl_scan_problem *problem, int firstChannel, int channelCount,
                       float *scratch) {
    HL_DISPATCH(hl_selective_scan, level, (problem, firstChannel, channelCount, scratch));
}
