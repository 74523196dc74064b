import Foundation
import HymbaKit

/// The token whose log-probability and rank the logit lens follows at each position.
enum LensTarget: Equatable {
    /// No target: the grid shows the top-1 tokens only.
    case none
    /// Each position's next prompt token (teacher forcing); the last position has none.
    case next
    /// One token at every position.
    case token(Int)

    /// One target per position of `positions` (indices into `ids`).
    func targets(ids: [Int], positions: [Int]) -> [Int?]? {
        switch self {
        case .none: return nil
        case .next: return LensGrid.nextTokens(of: ids, at: positions)
        case .token(let id): return positions.map { _ in id }
        }
    }

    /// `--target TOKEN` as an id: a number is an id; otherwise an exact vocabulary piece
    /// (`▁Paris`, `<0x0A>`), else text that the tokenizer turns into exactly one token (`Paris` →
    /// `▁Paris`, since SentencePiece prepends the space).
    ///
    /// - Throws: `CLIError` saying what the text became when it is not one token.
    static func resolve(_ text: String, tokenizer: Tokenizer?, vocabularySize: Int) throws -> Int {
        if let id = Int(text.trimmingCharacters(in: .whitespaces)) {
            guard (0..<vocabularySize).contains(id) else {
                throw CLIError("--target \(id) is not a token id (the vocabulary has ids 0...\(vocabularySize - 1))")
            }
            return id
        }
        guard let tokenizer else {
            throw CLIError("--target '\(text)': the model folder has no tokenizer.json, so give the target as a token id")
        }
        guard !text.isEmpty else { throw CLIError("--target is empty: give a token, its vocabulary piece or its id") }
        let pieces = tokenizer.tokenStrings(Array(0..<tokenizer.vocabularySize))
        if let id = pieces.firstIndex(of: text), id < vocabularySize { return id }
        let encoded = tokenizer.encode(text, addSpecialTokens: false)
        if encoded.count == 1, encoded[0] < vocabularySize { return encoded[0] }
        let shown = tokenizer.tokenStrings(encoded).map { TokenSequence.label($0) }.joined(separator: " ")
        throw CLIError("--target '\(text)' is \(encoded.count) tokens (\(shown)), not one: give a single token, its vocabulary piece or its id")
    }
}
