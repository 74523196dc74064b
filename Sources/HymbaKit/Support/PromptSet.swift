import Foundation

/// A prompt set: UTF-8 text of passages separated by one or more empty lines. A passage is its
/// lines joined with "\n", without the newlines around it (lines holding only spaces count as
/// empty). `\r\n` line ends are accepted.
public struct PromptSet: Equatable, Sendable {
    public let passages: [String]

    public init(passages: [String]) {
        self.passages = passages
    }

    public init(text: String) {
        var passages: [String] = []
        var current: [Substring] = []
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !current.isEmpty { passages.append(current.joined(separator: "\n")); current = [] }
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { passages.append(current.joined(separator: "\n")) }
        self.passages = passages
    }

    /// Reads a prompt-set file (must be UTF-8 and hold at least one passage).
    public init(contentsOf url: URL) throws {
        self.init(text: try readUTF8TextFile(url))
        if passages.isEmpty { throw PromptSetError.empty(path: url.path) }
    }
}

public enum PromptSetError: Error, CustomStringConvertible, Equatable {
    case empty(path: String)

    public var description: String {
        switch self {
        case .empty(let path): return "\(path) holds no passage (passages are separated by empty lines)"
        }
    }
}
