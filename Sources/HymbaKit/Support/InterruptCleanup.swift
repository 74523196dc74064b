import Foundation

/// Removes in-flight temporary files when the process is interrupted (Ctrl-C, SIGTERM), so an
/// aborted run leaves no partial output behind. Paths are copied into C strings up front so the
/// signal handler only calls async-signal-safe `unlink` and `_exit`.
public final class InterruptCleanup: @unchecked Sendable {
    public static let shared = InterruptCleanup()

    private let lock = NSLock()
    private var paths: [String: UnsafeMutablePointer<CChar>] = [:]
    private var installed = false

    private init() {}

    func register(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths[path] = strdup(path)
        publish()
        installIfNeeded()
    }

    func unregister(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        if let cString = paths.removeValue(forKey: path) {
            publish()
            free(cString)
        }
    }

    // The handler reads a fixed C array of pointers, never Swift collections.
    private func publish() {
        let list = Array(paths.values.prefix(InterruptCleanupTable.capacity))
        InterruptCleanupTable.count = 0
        for (i, pointer) in list.enumerated() { InterruptCleanupTable.entries[i] = pointer }
        InterruptCleanupTable.count = list.count
    }

    private func installIfNeeded() {
        guard !installed else { return }
        installed = true
        signal(SIGINT, interruptCleanupHandler)
        signal(SIGTERM, interruptCleanupHandler)
    }
}

/// Storage the signal handler can read without touching Swift runtime objects.
enum InterruptCleanupTable {
    static let capacity = 256
    nonisolated(unsafe) static var entries = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    nonisolated(unsafe) static var count = 0
}

private func interruptCleanupHandler(_ signalNumber: Int32) {
    for i in 0..<InterruptCleanupTable.count {
        if let path = InterruptCleanupTable.entries[i] { unlink(path) }
    }
    _exit(128 + signalNumber)
}
