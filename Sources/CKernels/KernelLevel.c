#include "KernelLevel.h"
#include "CPUIdentity.h"

static hl_level level_of(unsigned features) {
#if defined(__x86_64__)
    const unsigned avx512 = HL_CPU_AVX512F | HL_CPU_AVX512BW | HL_CPU_AVX512VL | HL_CPU_AVX512DQ;
    const unsigned avx2 = HL_CPU_AVX | HL_CPU_AVX2 | HL_CPU_FMA;
    if ((features & avx2) == avx2 && (features & avx512) == avx512) return HL_LEVEL_AVX512;
    if ((features & avx2) == avx2) return HL_LEVEL_AVX2;
#else
    (void)features;
#endif
    return HL_LEVEL_GENERIC;
}

hl_level hl_best_level(void) {
    // Computed once; a race between two first callers only computes the same value twice.
    static int cached = -1;
    int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (level < 0) {
        level = (int)level_of(hl_cpu_identify().features);
        __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
    }
    return (hl_level)level;
}

hl_level hl_supported_level(hl_level requested) {
    hl_level best = hl_best_level();
    return requested < best ? requested : best;
}
