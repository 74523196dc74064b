#include "FloatMode.h"

#if defined(__x86_64__)
#include <xmmintrin.h>

// MXCSR bit 15: flush results that would be subnormal to zero (FTZ); bit 6: read subnormal
// inputs as zero (DAZ).
enum { MXCSR_FTZ = 1u << 15, MXCSR_DAZ = 1u << 6 };

unsigned long hl_flush_subnormals(void) {
    unsigned previous = _mm_getcsr();
    _mm_setcsr(previous | MXCSR_FTZ | MXCSR_DAZ);
    return previous;
}

void hl_restore_float_mode(unsigned long previous) { _mm_setcsr((unsigned)previous); }

#elif defined(__aarch64__)

// FPCR bit 24 (FZ): subnormal inputs and results of single- and double-precision arithmetic are zero.
enum { FPCR_FZ = 1ul << 24 };

unsigned long hl_flush_subnormals(void) {
    unsigned long previous;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(previous));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(previous | FPCR_FZ));
    return previous;
}

void hl_restore_float_mode(unsigned long previous) { __asm__ __volatile__("msr fpcr, %0" : : "r"(previous)); }

#else

unsigned long hl_flush_subnormals(void) { return 0; }
void hl_restore_float_mode(unsigned long previous) { (void)previous; }

#endif
