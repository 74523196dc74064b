import CBLAS
import Foundation

extension BLAS {
    /// Runs `body` with OpenBLAS limited to one thread, for code that calls small sgemms from
    /// several of its own threads at once (attention's (group, query block) work items).
    ///
    /// Why: OpenBLAS's pthread build hands every sgemm above its size threshold to its shared
    /// worker pool. Called from two `concurrentPerform` threads at once, the calls queue on that
    /// pool while its workers spin, and attention at the 1.5B shape ran 4× slower (438 → 115 ms
    /// for 4 layers × 512 tokens). With one thread each call runs on its caller's core.
    ///
    /// Scopes may overlap across threads (two models running at once): the first scope to open
    /// saves the thread count, the last to close restores it, so a count of 1 never leaks out.
    public static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        SingleThreadScope.enter()
        defer { SingleThreadScope.leave() }
        return try body()
    }
}

/// The open `BLAS.singleThreaded` scopes, process-wide (OpenBLAS's thread count is process-wide).
private enum SingleThreadScope {
    nonisolated(unsafe) private static var depth = 0
    nonisolated(unsafe) private static var savedThreads: Int32 = 1
    private static let lock = NSLock()

    static func enter() {
        lock.lock()
        defer { lock.unlock() }
        if depth == 0 {
            savedThreads = openblas_get_num_threads()
            openblas_set_num_threads(1)
        }
        depth += 1
    }

    static func leave() {
        lock.lock()
        defer { lock.unlock() }
        depth -= 1
        if depth == 0 { openblas_set_num_threads(savedThreads) }
    }
}
