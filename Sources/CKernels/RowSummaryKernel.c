// The per-row reductions of the attention probes (attn_mass / ssm_mass, entropy, distance),
// from a row as the kernels produce it: a meta run and a window run of keys.
#include "RowSummaryKernel.h"
#include "Lanes.h"
#include <math.h>

/// Σ|p| over [begin, end) of x.
HL_INLINE double absolute_sum(const float *x, int begin, int end) {
    hl_vf lanes = 0;
    int j = begin;
    for (; j + HL_LANES <= end; j += HL_LANES) lanes = lanes + __builtin_elementwise_abs(hl_load(x + j));
    double sum = hl_sum_double(lanes);
    for (; j < end; j++) sum += fabsf(x[j]);
    return sum;
}

/// Σ |p| ln |p| over [begin, end) (terms with p = 0 are 0).
HL_INLINE double absolute_log_sum(const float *x, int begin, int end) {
    hl_vf lanes = 0;
    int j = begin;
    for (; j < end; j += HL_LANES) {
        int n = end - j < HL_LANES ? end - j : HL_LANES;
        hl_vf v = __builtin_elementwise_abs(n == HL_LANES ? hl_load(x + j) : hl_load_partial(x + j, n, 0));
        hl_vf term = v * hl_log(v > 0.0f ? v : hl_splat(1.0f));
        lanes = lanes + (v > 0.0f ? term : hl_splat(0.0f));
    }
    return hl_sum_double(lanes);
}

/// Σ |p_j| · (t − u_j) over window offsets [begin, end), u_j = first + j.
HL_INLINE double distance_sum(const float *x, int begin, int end, int first, int t) {
    hl_vf lanes = 0, offsets;
    for (int i = 0; i < HL_LANES; i++) offsets[i] = (float)i;
    int j = begin;
    for (; j + HL_LANES <= end; j += HL_LANES) {
        hl_vf distance = (float)(t - first - j) - offsets;
        lanes = lanes + __builtin_elementwise_abs(hl_load(x + j)) * distance;
    }
    double sum = hl_sum_double(lanes);
    for (; j < end; j++) sum += (double)fabsf(x[j]) * (double)(t - first - j);
    return sum;
}

HL_INLINE int clamp(int x, int lo, int hi) { return x < lo ? lo : (x > hi ? hi : x); }

HL_INLINE void hl_summarize_row_body(const float *p, int metaKeys, int metaFirst, int windowKeys, int windowFirst,
                                     const hl_row_layout *layout, hl_row_summary *out) {
    const int m = metaKeys, count = metaKeys + windowKeys, t = layout->query, M = layout->metaCount;
    const float *w = p + m;                      // window values: key windowFirst + j
    double total = absolute_sum(p, 0, count);
    double scale = layout->absolute ? (total > 0 ? 1 / total : 0) : 1;
    out->total = layout->absolute ? total : 1;

    // Window offsets by class: [0, metaEnd) meta, the BOS, the query itself, the rest cross.
    int metaEnd = clamp(M - windowFirst, 0, windowKeys);
    int bosIndex = layout->bos >= 0 ? layout->bos - windowFirst : -1;
    if (bosIndex < metaEnd || bosIndex >= windowKeys) bosIndex = -1;
    int selfIndex = t - windowFirst;
    if (selfIndex < metaEnd || selfIndex >= windowKeys || selfIndex == bosIndex) selfIndex = -1;
    double meta = absolute_sum(p, 0, m) + absolute_sum(w, 0, metaEnd);
    double bos = bosIndex >= 0 ? fabsf(w[bosIndex]) : 0, self = selfIndex >= 0 ? fabsf(w[selfIndex]) : 0;
    // Cross: the non-meta window minus the two single keys, summed as up to three runs.
    int cuts[2] = { bosIndex, selfIndex };
    if (cuts[0] > cuts[1]) { int c = cuts[0]; cuts[0] = cuts[1]; cuts[1] = c; }
    double cross = 0;
    int from = metaEnd;
    for (int k = 0; k < 2; k++) {
        if (cuts[k] < 0) continue;
        cross += absolute_sum(w, from, cuts[k]);
        from = cuts[k] + 1;
    }
    cross += absolute_sum(w, from, windowKeys);
    out->meta = meta * scale;
    out->bos = bos * scale;
    out->own = self * scale;
    out->cross = cross * scale;

    // −Σ q ln q with q = scale·|p|: −scale·Σ|p| ln|p| − ln(scale)·scale·Σ|p|.
    double logSum = absolute_log_sum(p, 0, count);
    out->entropy = scale > 0 ? -(scale * logSum + log(scale) * scale * total) : 0;

    // Content keys: window keys u ≤ t, u ≥ M, u ≠ BOS.
    int contentEnd = clamp(t + 1 - windowFirst, metaEnd, windowKeys);
    double content = absolute_sum(w, metaEnd, contentEnd) - (bosIndex >= 0 && bosIndex < contentEnd ? bos : 0);
    double weighted = distance_sum(w, metaEnd, contentEnd, windowFirst, t)
                    - (bosIndex >= 0 && bosIndex < contentEnd ? bos * (double)(t - windowFirst - bosIndex) : 0);
    content *= scale;
    weighted *= scale;
    out->content = content;
    if (!(content > 0)) {
        out->distance = 0;
        out->span = -1;
        return;
    }
    out->distance = weighted / content;
    double target = 0.9 * content * (1 - 1e-9), reached = 0;
    out->span = t - windowFirst;
    for (int j = contentEnd - 1; j >= metaEnd; j--) {
        if (j == bosIndex) continue;
        reached += (double)fabsf(w[j]) * scale;
        if (reached >= target) { out->span = t - windowFirst - j; break; }
    }
}
HL_VARIANTS(hl_summarize_row, (const float *p, int metaKeys, int metaFirst, int windowKeys, int windowFirst,
                               const hl_row_layout *layout, hl_row_summary *summary),
            (p, metaKeys, metaFirst, windowKeys, windowFirst, layout, summary))
void hl_summarize_row(hl_level level, const float *p, int metaKeys, int metaFirst, int windowKeys, int windowFirst,
                      const hl_row_layout *layout, hl_row_summary *summary) {
    HL_DISPATCH(hl_summarize_row, level, (p, metaKeys, metaFirst, windowKeys, windowFirst, layout, summary));
}
