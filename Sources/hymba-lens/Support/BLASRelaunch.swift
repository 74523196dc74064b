import Foundation
import HymbaKit

/// Restarts the process with the right `OPENBLAS_CORETYPE` when OpenBLAS chose an older kernel
/// family than this CPU supports (see `BLASCore`). OpenBLAS reads the variable only when the
/// library loads, so this runs first thing in `main`, before any work: the same executable
/// (`/proc/self/exe`) with the same arguments replaces the process. The restarted process finds
/// `OPENBLAS_CORETYPE` and `HYMBA_LENS_BLAS_DETECTED` set and never restarts again; if the exec
/// fails the run continues on the old core (the model load then prints BLASCore's warning).
enum BLASRelaunch {
    static func ifNeeded() {
        #if os(Linux) && arch(x86_64)
        guard case .relaunch(let core) = BLASCore.currentDecision() else { return }
        let detected = BLASCore.runningCore
        setenv(BLASCore.coreTypeVariable, core, 1)
        setenv(BLASCore.detectedVariable, detected, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        unsetenv(BLASCore.coreTypeVariable)
        unsetenv(BLASCore.detectedVariable)
        Progress.note("hymba-lens: could not restart with \(BLASCore.coreTypeVariable)=\(core) (\(reason)); continuing with OpenBLAS's \(detected) kernels")
        #endif
    }
}
