import Foundation
#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let posixWrite = Darwin.write
#endif

/// Writes a file all-or-nothing: into a temporary file in the destination's directory, flushed
/// to disk, then renamed over the destination.
///
/// A reader never sees a half-written figure, an existing file survives a failed write, and on
/// every error path the temporary file is removed. The temporary file lives in the same directory
/// because `rename(2)` is only atomic within one file system.
enum AtomicFile {
    /// - Throws: `PlotError.unwritableDirectory` naming the directory when it is missing, not a
    ///   directory, or refuses a new file; `.writeFailed` naming the destination otherwise.
    static func write(_ data: Data, to url: URL) throws {
        let destination = url.standardizedFileURL
        let directory = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw PlotError.unwritableDirectory(path: directory.path)
        }
        var destinationIsDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination.path, isDirectory: &destinationIsDirectory),
           destinationIsDirectory.boolValue {
            throw PlotError.writeFailed(path: destination.path, reason: "a directory exists at that path")
        }

        let temporary = directory.appendingPathComponent(
            ".\(destination.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            if code == EACCES || code == EPERM || code == EROFS || code == ENOENT {
                throw PlotError.unwritableDirectory(path: directory.path)
            }
            throw PlotError.writeFailed(path: destination.path, reason: String(cString: strerror(code)))
        }

        var failure: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = posixWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        if close(descriptor) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temporary, destination.path) != 0 {
            failure = String(cString: strerror(errno))
        }
        if let failure {
            unlink(temporary)
            throw PlotError.writeFailed(path: destination.path, reason: failure)
        }
    }
}
