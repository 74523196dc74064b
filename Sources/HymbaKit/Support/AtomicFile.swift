import Foundation

/// Failures writing an output file. The destination is never left half-written.
public enum OutputError: Error, CustomStringConvertible, Equatable {
    case cannotCreate(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): return "cannot write \(path): \(reason)"
        case .writeFailed(let path, let reason): return "writing \(path) failed: \(reason)"
        }
    }
}

/// Writes a file by streaming into a temporary sibling and renaming it over the destination
/// only when everything succeeded, so readers see either the old file or the complete new one.
///
/// The temporary lives in the destination's directory (rename is atomic only within one file
/// system) and is removed on any failure, including an interrupt (see `InterruptCleanup`).
public final class AtomicFileWriter {
    public let destination: URL
    private let temporary: URL
    private let handle: FileHandle
    private var finished = false

    /// Missing parent folders of `destination` are created.
    public init(destination: URL) throws {
        self.destination = destination
        let directory = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory.path) {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError.cannotCreate(path: destination.path, reason: "directory \(directory.path) does not exist")
        }
        temporary = directory.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw OutputError.cannotCreate(path: destination.path, reason: "directory \(directory.path) is not writable")
        }
        do {
            handle = try FileHandle(forWritingTo: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw OutputError.cannotCreate(path: destination.path, reason: error.localizedDescription)
        }
        InterruptCleanup.shared.register(temporary.path)
    }

    deinit {
        if !finished { abandon() }
    }

    public func write(_ data: Data) throws {
        do {
            try handle.write(contentsOf: data)
        } catch {
            abandon()
            throw OutputError.writeFailed(path: destination.path, reason: error.localizedDescription)
        }
    }

    /// Writes raw bytes in 8 MiB pieces, so a large tensor is never copied whole.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        let piece = 8 << 20
        var offset = 0
        while offset < bytes.count {
            let length = min(piece, bytes.count - offset)
            try write(Data(bytes: base + offset, count: length))
            offset += length
        }
    }

    /// Flushes, closes and renames the temporary over the destination.
    public func commit() throws {
        guard !finished else { return }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            abandon()
            throw OutputError.writeFailed(path: destination.path, reason: error.localizedDescription)
        }
        if rename(temporary.path, destination.path) != 0 {
            let reason = String(cString: strerror(errno))
            abandon()
            throw OutputError.writeFailed(path: destination.path, reason: reason)
        }
        finished = true
        InterruptCleanup.shared.unregister(temporary.path)
    }

    /// Drops the temporary; the destination is untouched.
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? handle.close()
        try? FileManager.default.removeItem(at: temporary)
        InterruptCleanup.shared.unregister(temporary.path)
    }

    /// Writes `data` to `url` atomically in one call.
    public static func write(_ data: Data, to url: URL) throws {
        let writer = try AtomicFileWriter(destination: url)
        try writer.write(data)
        try writer.commit()
    }
}
