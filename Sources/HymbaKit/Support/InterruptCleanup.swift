import Foundation

/// Removes in-flight temporary files and staging folders when the process is interrupted
/// (Ctrl-C, SIGTERM), so an aborted run leaves no partial output behind. Paths are copied into
/// C strings up front so the signal handler only calls async-signal-safe `unlink`, `rmdir` and
/// `_exit`; entries are removed newest first, so a folder's files go before the folder.
public final class InterruptCleanup: @unchecked Sendable {
    public static let shared = InterruptCleanup()

    private let lock = NSLock()
    private var paths: [(path: String, cString: UnsafeMutablePointer<CChar>)] = []
    private var installed = false

    private init() {}

    public func register(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.append((path, strdup(path)))
        publish()
        installIfNeeded()
    }

    public func unregister(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        if let index = paths.lastIndex(where: { $0.path == path }) {
            let removed = paths.remove(at: index)
            publish()
            free(removed.cString)
        }
    }

    // The handler reads a fixed C array of pointers, never Swift collections.
    private func publish() {
        let list = paths.suffix(InterruptCleanupTable.capacity).map(\.cString)
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
    static let capacity = 4096
    nonisolated(unsafe) static var entries = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    nonisolated(unsafe) static var count = 0
}

private func interruptCleanupHandler(_ signalNumber: Int32) {
    var i = InterruptCleanupTable.count - 1
    while i >= 0 {
        if let path = InterruptCleanupTable.entries[i], unlink(path) != 0 { rmdir(path) }
        i -= 1
    }
    _exit(128 + signalNumber)
}
