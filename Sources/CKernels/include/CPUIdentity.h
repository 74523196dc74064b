#ifndef HYMBA_CPU_IDENTITY_H
#define HYMBA_CPU_IDENTITY_H

/// Who made the CPU (CPUID leaf 0).
typedef enum {
    HL_VENDOR_OTHER = 0,
    HL_VENDOR_INTEL = 1,
    HL_VENDOR_AMD = 2,
    HL_VENDOR_HYGON = 3,
} hl_cpu_vendor;

/// Instruction-set features, each set only when the CPU has it *and* the operating system saves
/// the registers it needs (XCR0), so that code using it cannot fault.
enum {
    HL_CPU_AVX = 1u << 0,
    HL_CPU_AVX2 = 1u << 1,
    HL_CPU_FMA = 1u << 2,
    HL_CPU_AVX512F = 1u << 3,
    HL_CPU_AVX512BW = 1u << 4,
    HL_CPU_AVX512VL = 1u << 5,
    HL_CPU_AVX512DQ = 1u << 6,
    HL_CPU_AVX512_BF16 = 1u << 7,
};

typedef struct {
    hl_cpu_vendor vendor;
    unsigned features;          // HL_CPU_* bits
} hl_cpu_identity;

/// The running CPU, from CPUID and XGETBV (zero features on other architectures).
hl_cpu_identity hl_cpu_identify(void);

#endif
