import Foundation

/// Finds a file shipped in the repository (the bundled model, the domain prompt sets) for a
/// tool run from anywhere: first under the working directory, then upwards from the executable,
/// which lives in `.build/<config>/` of the package — the one lookup every default path uses.
public enum BundledFile {
    /// The first `base/relative` for which `isPresent` holds, or nil.
    public static func locate(_ relative: String, isPresent: (URL) -> Bool) -> URL? {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        return candidates.map { $0.appendingPathComponent(relative) }.first(where: isPresent)
    }
}
