import Foundation

/// Paths as shown in figures, tables and reports: relative to the working directory when the
/// file is below it, so a report made in the repository does not carry one machine's layout.
public enum DisplayPath {
    public static func relative(_ path: String) -> String {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path + "/"
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        return full.hasPrefix(cwd) ? String(full.dropFirst(cwd.count)) : path
    }
}
