// CPUID and XGETBV, read directly: the BLAS core choice and the kernel level both need the exact
// feature bits (AVX-512 F/BW/VL/DQ, BF16) and whether the OS enabled the wide registers.
#include "CPUIdentity.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

hl_cpu_identity hl_cpu_identify(void) {
    hl_cpu_identity identity = { HL_VENDOR_OTHER, 0 };
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return identity;
    unsigned maxLeaf = eax;
    char vendor[13];
    memcpy(vendor, &ebx, 4);
    memcpy(vendor + 4, &edx, 4);
    memcpy(vendor + 8, &ecx, 4);
    vendor[12] = 0;
    if (strcmp(vendor, "GenuineIntel") == 0) identity.vendor = HL_VENDOR_INTEL;
    else if (strcmp(vendor, "AuthenticAMD") == 0) identity.vendor = HL_VENDOR_AMD;
    else if (strcmp(vendor, "HygonGenuine") == 0) identity.vendor = HL_VENDOR_HYGON;

    if (maxLeaf < 1 || !__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return identity;
    int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave) return identity;
    unsigned long long xcr0 = read_xcr0();
    int ymmSaved = (xcr0 & 0x6) == 0x6;          // SSE and AVX state
    int zmmSaved = ymmSaved && (xcr0 & 0xE0) == 0xE0;   // opmask, ZMM_Hi256, Hi16_ZMM
    if (!ymmSaved) return identity;
    if (avx) identity.features |= HL_CPU_AVX;
    if (fma) identity.features |= HL_CPU_FMA;

    if (maxLeaf < 7) return identity;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    unsigned subleaves = eax;
    if ((ebx >> 5) & 1) identity.features |= HL_CPU_AVX2;
    if (zmmSaved) {
        if ((ebx >> 16) & 1) identity.features |= HL_CPU_AVX512F;
        if ((ebx >> 17) & 1) identity.features |= HL_CPU_AVX512DQ;
        if ((ebx >> 30) & 1) identity.features |= HL_CPU_AVX512BW;
        if ((ebx >> 31) & 1) identity.features |= HL_CPU_AVX512VL;
        if (subleaves >= 1) {
            __cpuid_count(7, 1, eax, ebx, ecx, edx);
            if ((eax >> 5) & 1) identity.features |= HL_CPU_AVX512_BF16;
        }
    }
    return identity;
}

#else

hl_cpu_identity hl_cpu_identify(void) {
    hl_cpu_identity identity = { HL_VENDOR_OTHER, 0 };
    return identity;
}

#endif
