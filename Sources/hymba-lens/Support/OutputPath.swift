import Foundation
import HymbaKit

/// Checks a single output file's path before any work is done, so a run that cannot write its
/// result fails in a second with a clear message instead of after the model ran. Missing parent
/// folders are allowed (the writers create them); output folders follow `OutputFolder`.
enum OutputPath {
    /// - Parameter extensions: allowed file extensions (lowercase, without the dot); empty = any.
    static func check(_ path: String, extensions: [String] = []) throws -> URL {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let ext = url.pathExtension.lowercased()
        if !extensions.isEmpty && !extensions.contains(ext) {
            throw CLIError("cannot write \(path): the extension must be " + extensions.map { "." + $0 }.joined(separator: " or "))
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw CLIError("cannot write \(path): it is a directory") }
            guard OutputFolder.canCreateFile(in: url.deletingLastPathComponent().path) else {
                throw CLIError("cannot write \(path): directory \(url.deletingLastPathComponent().path) is not writable")
            }
        } else {
            do { try OutputFolder.checkCreatable(url) } catch let error as OutputError { throw CLIError(error.description) }
        }
        return URL(fileURLWithPath: path)
    }
}
