#ifndef HYMBA_FLOAT_MODE_H
#define HYMBA_FLOAT_MODE_H

/// Subnormal floats (|x| < 2⁻¹²⁶ ≈ 1.2e-38) as zero, on the calling thread only.
///
/// On x86-64 an arithmetic instruction that reads or produces a subnormal takes a microcode
/// assist of ~100 cycles instead of one. The SSM implicit attention multiplies decay factors
/// `exp(A·ΣΔ)` that run down through the subnormal range before they reach zero, and inside its
/// sgemms that made the summary probes 2–3× slower than they are with subnormals flushed.
/// Flushing changes a value by less than 1.2e-38 absolute: nothing a float32 result compared at
/// 2e-4 of its largest entry can see.
///
/// `hl_flush_subnormals` sets flush-to-zero and denormals-are-zero (MXCSR FTZ | DAZ on x86-64,
/// FPCR FZ on AArch64; nothing elsewhere) and returns the previous mode for `hl_restore_float_mode`.
unsigned long hl_flush_subnormals(void);
void hl_restore_float_mode(unsigned long previous);

#endif
