import Foundation

/// The domain prompt sets shipped with the project (`analyses/domains/{article,math,code}.txt`),
/// found like the bundled model: from the working directory, then upwards from the executable.
public enum BundledDomains {
    public static let names = ["article", "math", "code"]
    public static let relativeFolder = "analyses/domains"

    public static func options() throws -> [DomainOption] {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        for base in candidates {
            let folder = base.appendingPathComponent(relativeFolder)
            let files = names.map { folder.appendingPathComponent("\($0).txt") }
            if files.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) {
                return try zip(names, files).map { try DomainOption(parsing: "\($0)=\(DisplayPath.relative($1.path))") }
            }
        }
        throw ReportError("no --domain given and the bundled \(relativeFolder)/{\(names.joined(separator: ","))}.txt were not found")
    }
}
