#ifndef HYMBA_MEMORY_ADVICE_H
#define HYMBA_MEMORY_ADVICE_H

#include <stddef.h>

/// Asks the kernel to back `[p, p + bytes)` with transparent huge pages (2 MiB on x86-64)
/// where it can: the 2 MiB-aligned interior of the range gets `madvise(MADV_HUGEPAGE)`.
///
/// Why: the model's big arrays — weights, the forward's workspace, a prefill's logits (262 MB at
/// 2048 tokens) — are touched page by page. With 4 KiB pages a fresh 262 MB buffer costs 64 k page
/// faults on one thread before the LM head's sgemm can write it, and the sgemm's packing walks the
/// weights through a TLB that covers 6 MiB. Linux's default THP mode ("madvise") gives huge pages
/// only to ranges that ask. Call it on memory not yet touched. A range smaller than 2 MiB, a kernel
/// without THP, or another OS: nothing happens. Returns 1 when advice was given, else 0.
int hl_advise_huge_pages(void *p, size_t bytes);

#endif
