#ifndef HYMBA_ROW_SUMMARY_KERNEL_H
#define HYMBA_ROW_SUMMARY_KERNEL_H

#include "KernelLevel.h"

/// How to read one attention row (see `hl_summarize_row`).
typedef struct {
    int query;                  // t, the row's own position
    int metaCount;              // M: keys u < M are meta tokens
    int bos;                    // the BOS position (M when the first real token is the BOS), or −1
    int absolute;               // 1: the row is replaced by |p| / Σ|p| first (SSM implicit attention)
} hl_row_layout;

/// What `hl_summarize_row` reports; masses are of the (normalised) row q.
typedef struct {
    double total;               // Σ|p| with `absolute`, else 1 (rows are taken as they are)
    double meta, bos, own, cross;   // mass on meta keys / the BOS / the query itself (u = t) / everything else
    double entropy;             // −Σ q ln q over every key (0 ln 0 = 0)
    double content;             // Σ q over content keys: real tokens u ≤ t other than the BOS
    double distance;            // Σ q·(t − u) over content keys, divided by `content` (0 when content = 0)
    double span;                // smallest d with Σ_{content, t−u ≤ d} q ≥ 0.9·content·(1 − 1e-9); −1 when content = 0
} hl_row_summary;

/// One attention row in a single call: `p` holds `metaKeys` values for keys metaFirst … and
/// then `windowKeys` values for keys windowFirst …; entries of keys the row may not see are 0.
/// Sums accumulate in fp32 lanes and are reduced in double.
void hl_summarize_row(hl_level level, const float *p, int metaKeys, int metaFirst, int windowKeys, int windowFirst,
                      const hl_row_layout *layout, hl_row_summary *summary);

#endif
