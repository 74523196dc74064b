#ifndef HYMBA_KERNEL_LEVEL_H
#define HYMBA_KERNEL_LEVEL_H

/// Which compiled variant of a kernel runs. Every kernel takes a level as its first argument
/// and runs the best variant the CPU supports at or below it, so any level is safe to pass.
typedef enum {
    HL_LEVEL_GENERIC = 0,       // the compiler's baseline for the platform (SSE2 on x86-64)
    HL_LEVEL_AVX2 = 1,          // AVX2 + FMA
    HL_LEVEL_AVX512 = 2,        // AVX-512 F, BW, VL, DQ
} hl_level;

/// The best level this CPU runs.
hl_level hl_best_level(void);

/// `requested`, lowered to what this CPU runs.
hl_level hl_supported_level(hl_level requested);

#endif
