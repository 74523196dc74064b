import CBLAS
import CKernels
import Foundation

/// Which OpenBLAS kernel family ("core") runs the sgemms, and whether a better one should.
///
/// Why this exists: a DYNAMIC_ARCH OpenBLAS picks its core from the CPU model number when the
/// library loads. Releases before 0.3.25 (Debian 12 ships 0.3.21) do not know recent Intel
/// models, nor CPUs whose model a VM hides, and fall back to the Prescott (SSE3) kernels: sgemm
/// then runs about 6× slower (38 against 225 GFLOP/s for 640×1600×5504 on an AVX-512 Xeon).
/// The features CPUID reports say what the CPU can run; when OpenBLAS chose an older family,
/// the right one is named with `OPENBLAS_CORETYPE` — read only when the library loads, so the
/// command-line tool restarts itself with it (`hymba-lens` does this at the very start of `main`).
///
/// The decision is a pure function of the CPU's features, the detected core and the environment
/// (`decide`); `current` applies it to this process.
public enum BLASCore {
    /// The user's override, honoured as it is.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// `HYMBA_LENS_BLAS=keep` leaves OpenBLAS's own choice alone.
    public static let choiceVariable = "HYMBA_LENS_BLAS"
    /// Set by a restarting `hymba-lens` to the core OpenBLAS had detected; its presence also
    /// guarantees that the restarted process never restarts again.
    public static let detectedVariable = "HYMBA_LENS_BLAS_DETECTED"

    /// CPU features that decide the core (CPUID, with the OS's register support checked).
    public struct Features: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let avx = Features(rawValue: UInt32(HL_CPU_AVX))
        public static let avx2 = Features(rawValue: UInt32(HL_CPU_AVX2))
        public static let fma = Features(rawValue: UInt32(HL_CPU_FMA))
        public static let avx512f = Features(rawValue: UInt32(HL_CPU_AVX512F))
        public static let avx512bw = Features(rawValue: UInt32(HL_CPU_AVX512BW))
        public static let avx512vl = Features(rawValue: UInt32(HL_CPU_AVX512VL))
        public static let avx512dq = Features(rawValue: UInt32(HL_CPU_AVX512DQ))
        public static let avx512bf16 = Features(rawValue: UInt32(HL_CPU_AVX512_BF16))
        /// What OpenBLAS's SkylakeX kernels need.
        public static let avx512: Features = [.avx, .avx2, .fma, .avx512f, .avx512bw, .avx512vl, .avx512dq]
        /// What its Haswell / Zen kernels need.
        public static let avx2fma: Features = [.avx, .avx2, .fma]
    }

    public enum Vendor: Sendable {
        case intel, amd, hygon, other
    }

    /// What to do about the core.
    public enum Decision: Equatable, Sendable {
        /// Leave it.
        case keep(Reason)
        /// Restart with `OPENBLAS_CORETYPE` = `core`.
        case relaunch(core: String)
    }

    public enum Reason: Equatable, Sendable {
        /// `OPENBLAS_CORETYPE` was set (by the user, or by a restarting hymba-lens).
        case setByEnvironment
        /// `HYMBA_LENS_BLAS=keep`.
        case keptByRequest
        /// The detected core is as recent as the CPU's features allow, or unknown to this table.
        case bestAvailable
    }

    /// The core the features support: SkylakeX (Cooperlake with BF16) for AVX-512 F/BW/VL/DQ,
    /// else Zen on AMD and Hygon or Haswell for AVX2 + FMA; nil for older CPUs.
    public static func bestCore(vendor: Vendor, features: Features) -> String? {
        if features.isSuperset(of: .avx512) { return features.contains(.avx512bf16) ? "Cooperlake" : "SkylakeX" }
        if features.isSuperset(of: .avx2fma) { return vendor == .amd || vendor == .hygon ? "Zen" : "Haswell" }
        return nil
    }

    /// The decision for a process whose OpenBLAS detected `detected`, in `environment`.
    public static func decide(vendor: Vendor, features: Features, detected: String,
                              environment: [String: String]) -> Decision {
        if environment[coreTypeVariable] != nil || environment[detectedVariable] != nil { return .keep(.setByEnvironment) }
        if environment[choiceVariable]?.lowercased() == "keep" { return .keep(.keptByRequest) }
        guard let best = bestCore(vendor: vendor, features: features),
              let bestTier = generation(of: best), let detectedTier = generation(of: detected),
              detectedTier < bestTier
        else { return .keep(.bestAvailable) }
        return .relaunch(core: best)
    }

    /// Kernel generation of an OpenBLAS x86-64 core name (case-insensitive): 0 SSE-era, 1 AVX,
    /// 2 AVX2 + FMA, 3 AVX-512; nil for names this table does not know (left alone).
    static func generation(of core: String) -> Int? {
        switch core.lowercased() {
        case "katmai", "coppermine", "northwood", "prescott", "banias", "yonah", "core2", "penryn", "dunnington",
             "nehalem", "atom", "athlon", "opteron", "opteron_sse3", "barcelona", "bobcat", "nano":
            return 0
        case "sandybridge", "bulldozer", "piledriver", "steamroller":
            return 1
        case "haswell", "zen", "excavator":
            return 2
        case "skylakex", "cooperlake", "sapphirerapids":
            return 3
        default:
            return nil
        }
    }

    /// This process's CPU.
    public static var cpu: (vendor: Vendor, features: Features) {
        let identity = hl_cpu_identify()
        let vendor: Vendor
        switch identity.vendor {
        case HL_VENDOR_INTEL: vendor = .intel
        case HL_VENDOR_AMD: vendor = .amd
        case HL_VENDOR_HYGON: vendor = .hygon
        default: vendor = .other
        }
        return (vendor, Features(rawValue: UInt32(identity.features)))
    }

    /// The core OpenBLAS runs in this process.
    public static var runningCore: String { String(cString: openblas_get_corename()) }

    /// "OpenBLAS 0.3.21" (the first two words of `openblas_get_config`).
    public static var library: String {
        String(cString: openblas_get_config()).split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// The decision for this process.
    public static func currentDecision(environment: [String: String] = ProcessInfo.processInfo.environment) -> Decision {
        let cpu = self.cpu
        return decide(vendor: cpu.vendor, features: cpu.features, detected: runningCore, environment: environment)
    }

    /// `OpenBLAS 0.3.21, core SkylakeX (chosen by hymba-lens; OpenBLAS detected Prescott)`, or
    /// `(OpenBLAS's own choice)`, or `(set by OPENBLAS_CORETYPE)`.
    public static func statusLine(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let core = runningCore
        let how: String
        if let detected = environment[detectedVariable] {
            how = "chosen by hymba-lens; OpenBLAS detected \(detected)"
        } else if environment[coreTypeVariable] != nil {
            how = "set by \(coreTypeVariable)"
        } else if case .relaunch(let better) = currentDecision(environment: environment) {
            how = "OpenBLAS's own choice; this CPU runs \(better)"
        } else if environment[choiceVariable]?.lowercased() == "keep" {
            how = "OpenBLAS's own choice, kept by \(choiceVariable)=keep"
        } else {
            how = "OpenBLAS's own choice"
        }
        return "\(library), core \(core) (\(how))"
    }

    /// One line for library users whose process runs an older core than the CPU supports (the
    /// command-line tool restarts instead), or nil.
    public static func warning(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard case .relaunch(let better) = currentDecision(environment: environment) else { return nil }
        return "HymbaKit: OpenBLAS runs its \(runningCore) kernels on a CPU that supports \(better); sgemm is several times "
            + "slower. Start the process with \(coreTypeVariable)=\(better) (or \(choiceVariable)=keep to silence this)."
    }

    /// Writes `warning` to standard error, once per process.
    static func warnOnce() {
        WarningLatch.shared.once {
            if let warning = warning() { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        }
    }
}

/// Runs a block at most once per process.
private final class WarningLatch: @unchecked Sendable {   // `done` is guarded by `lock`
    static let shared = WarningLatch()
    private let lock = NSLock()
    private var done = false

    func once(_ body: () -> Void) {
        lock.lock(); defer { lock.unlock() }
        guard !done else { return }
        done = true
        body()
    }
}
