// How one kernel body becomes three functions: the body is a static always-inline function
// without target attributes; each variant is a thin wrapper whose target attribute makes the
// inlined body compile for that instruction set (clang inlines a function into a caller whose
// features are a superset). The public entry point picks the variant from its level argument.
#ifndef HYMBA_VARIANTS_H
#define HYMBA_VARIANTS_H

#include "KernelLevel.h"

#define HL_INLINE static inline __attribute__((always_inline))

#if defined(__x86_64__)
#define HL_TARGET_AVX2 __attribute__((target("avx,avx2,fma")))
#define HL_TARGET_AVX512 __attribute__((target("avx,avx2,fma,avx512f,avx512bw,avx512vl,avx512dq")))

/// Defines `name_generic`, `name_avx2` and `name_avx512`, each calling `name_body` with `args`.
#define HL_VARIANTS(name, params, args) \
    static void name##_generic params { name##_body args; } \
    HL_TARGET_AVX2 static void name##_avx2 params { name##_body args; } \
    HL_TARGET_AVX512 static void name##_avx512 params { name##_body args; }

/// Runs the variant of `name` for `level` (lowered to what the CPU supports).
#define HL_DISPATCH(name, level, args) \
    switch (hl_supported_level(level)) { \
    case HL_LEVEL_AVX512: name##_avx512 args; break; \
    case HL_LEVEL_AVX2: name##_avx2 args; break; \
    default: name##_generic args; break; \
    }
#else
#define HL_VARIANTS(name, params, args) \
    static void name##_generic params { name##_body args; }
#define HL_DISPATCH(name, level, args) \
    do { (void)(level); name##_generic args; } while (0)
#endif

#endif
