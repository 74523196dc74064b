import Foundation

/// Checks an output path before any work is done, so a run that cannot write its result fails
/// in a second with a clear message instead of after the model ran.
enum OutputPath {
    /// - Parameter extensions: allowed file extensions (lowercase, without the dot); empty = any.
    static func check(_ path: String, extensions: [String] = []) throws -> URL {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension.lowercased()
        if !extensions.isEmpty && !extensions.contains(ext) {
            throw CLIError("cannot write \(path): the extension must be " + extensions.map { "." + $0 }.joined(separator: " or "))
        }
        try checkDirectory(url.deletingLastPathComponent().path, for: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CLIError("cannot write \(path): it is a directory")
        }
        return url
    }

    static func checkDirectory(_ directory: String, for path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw CLIError("cannot write \(path): directory \(directory) does not exist")
        }
        guard isDirectory.boolValue else {
            throw CLIError("cannot write \(path): \(directory) is a file, not a directory")
        }
        guard access(directory, W_OK) == 0, canCreateFile(in: directory) else {
            throw CLIError("cannot write \(path): directory \(directory) is not writable")
        }
    }

    /// Creates and removes an empty file: the permission bits do not tell the whole story (root
    /// passes `access` everywhere, yet cannot create files in /proc or on a read-only mount).
    private static func canCreateFile(in directory: String) -> Bool {
        let probe = (directory as NSString).appendingPathComponent(".hymba-lens-write-check-\(getpid())")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { return errno == EEXIST }
        close(descriptor)
        unlink(probe)
        return true
    }
}
