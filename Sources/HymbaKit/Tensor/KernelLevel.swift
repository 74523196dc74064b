import CKernels

/// Which compiled variant of the C kernels (`CKernels`) runs: chosen once from the CPU's
/// features. Swift code for the default x86-64 target is SSE-only; the kernels' AVX2 and
/// AVX-512 variants are what make the elementwise passes and the scan fast.
public enum KernelLevel {
    /// The best variant this CPU runs (the one the forward pass uses).
    static let best: hl_level = hl_best_level()

    /// Every level this CPU runs, lowest first — tests compare them against each other.
    static var supported: [hl_level] {
        [HL_LEVEL_GENERIC, HL_LEVEL_AVX2, HL_LEVEL_AVX512].filter { $0.rawValue <= best.rawValue }
    }

    /// "AVX-512", "AVX2+FMA" or "generic", for `inspect` and `bench`.
    public static var name: String { name(of: best) }

    static func name(of level: hl_level) -> String {
        switch level {
        case HL_LEVEL_AVX512: return "AVX-512"
        case HL_LEVEL_AVX2: return "AVX2+FMA"
        default: return "generic"
        }
    }
}
