import Foundation
import HymbaKit

/// The domain prompt sets shipped with the project (`analyses/domains/{article,math,code}.txt`),
/// found like the bundled model: from the working directory, then upwards from the executable.
public enum BundledDomains {
    public static let names = ["article", "math", "code"]
    public static let relativeFolder = "analyses/domains"

    public static func options() throws -> [DomainOption] {
        let present = { (folder: URL) in names.allSatisfy { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0).txt").path) } }
        if let folder = BundledFile.locate(relativeFolder, isPresent: present) {
            return try names.map { try DomainOption(parsing: "\($0)=\(DisplayPath.relative(folder.appendingPathComponent("\($0).txt").path))") }
        }
        throw ReportError("no --domain given and the bundled \(relativeFolder)/{\(names.joined(separator: ","))}.txt were not found")
    }
}
