import Foundation

/// A named prompt set given as `name=file` (`--domain math=analyses/domains/math.txt`).
public struct DomainOption: Sendable {
    public let name: String
    public let path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// - Throws: `ReportError` for a missing '=', an empty name or path.
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "=") else {
            throw ReportError("--domain '\(text)' must be name=file, e.g. math=analyses/domains/math.txt")
        }
        name = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        path = String(text[text.index(after: equals)...])
        guard !name.isEmpty else { throw ReportError("--domain '\(text)' has an empty name") }
        guard !path.isEmpty else { throw ReportError("--domain '\(text)' has no file") }
    }

    /// Parses every `--domain` and checks the names are distinct.
    public static func parseAll(_ texts: [String]) throws -> [DomainOption] {
        let domains = try texts.map(DomainOption.init(parsing:))
        var seen = Set<String>()
        for domain in domains where !seen.insert(domain.name).inserted {
            throw ReportError("--domain '\(domain.name)' is given twice")
        }
        return domains
    }
}
