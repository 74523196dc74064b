import Foundation
import HymbaKit

/// A prompt set ready to run: its passages tokenized (BOS added), optionally cut to the first
/// passages and the first tokens of each.
public struct Corpus: Sendable {
    public let name: String
    public let path: String
    /// One id list per passage, BOS first.
    public let passages: [[Int]]

    public var tokenCount: Int { passages.reduce(0) { $0 + $1.count } }

    /// Reads and tokenizes `path` with the model folder's tokenizer.
    ///
    /// - Throws: `ReportError` when the model has no tokenizer or a passage is too long for the
    ///   model; `PromptSetError` / file errors for the prompt file.
    public static func load(name: String, path: String, tokenizer: Tokenizer, config: HymbaConfig,
                     maxPassages: Int?, maxTokens: Int?) throws -> Corpus {
        let set = try PromptSet(contentsOf: URL(fileURLWithPath: path))
        var passages = set.passages.map { tokenizer.encode($0) }
        if let maxPassages { passages = Array(passages.prefix(maxPassages)) }
        if let maxTokens { passages = passages.map { Array($0.prefix(maxTokens)) } }
        let limit = config.maxPositionEmbeddings - config.memoryTokens
        if let (index, ids) = passages.enumerated().first(where: { $0.element.count > limit }) {
            throw ReportError("\(path): passage \(index + 1) has \(ids.count) tokens, more than the model's \(limit) (use --max-tokens)")
        }
        return Corpus(name: name, path: path, passages: passages)
    }

    /// The model folder's tokenizer, or a one-line error saying prompt sets need one.
    public static func tokenizer(for checkpoint: Checkpoint) throws -> Tokenizer {
        let url = checkpoint.directory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ReportError("\(checkpoint.directory.path) has no tokenizer.json: prompt sets are text and need the model's tokenizer")
        }
        return try Tokenizer(directory: checkpoint.directory)
    }
}
