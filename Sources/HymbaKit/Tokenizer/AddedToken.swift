/// One entry of tokenizer.json's `added_tokens`: a string matched whole in the input, before
/// (`normalized: false`) or after (`normalized: true`) normalization, and never split by BPE.
struct AddedToken: Sendable {
    /// The id Hugging Face gives the token on load (see `readAll`), not necessarily the file's.
    private(set) var id: Int
    let content: String
    /// Special tokens are dropped by `decode(skipSpecialTokens: true)`.
    let special: Bool
    /// Matched in normalized text rather than in the raw input.
    let normalized: Bool

    init(node: JSONNode) throws {
        let idNode = try node.required("id")
        id = try idNode.int()
        guard id >= 0, id < Int(Int32.max) else { throw idNode.invalid("ids must be in 0..<\(Int32.max)") }
        let contentNode = try node.required("content")
        content = try contentNode.string()
        guard !content.isEmpty else { throw contentNode.invalid("an added token cannot be empty") }
        special = try node.optional("special")?.bool() ?? false
        normalized = try node.optional("normalized")?.bool() ?? !special
        // These options change where a match may start or end; not implemented, so refused.
        for option in ["lstrip", "rstrip", "single_word"] {
            if let flag = try node.optional(option), try flag.bool() {
                throw TokenizerError.unsupportedSetting(file: node.file, path: flag.path, value: "true")
            }
        }
    }

    /// Reads the `added_tokens` array, refusing two tokens with the same text, and assigns ids
    /// as Hugging Face does when it loads the file (it only warns when the file says otherwise):
    /// in file order, a token whose text is a model piece takes that piece's id; any other takes
    /// the number of model pieces, or one more than the largest id added so far if that is larger.
    static func readAll(_ node: JSONNode?, vocabulary: Vocabulary) throws -> [AddedToken] {
        guard let node else { return [] }
        var tokens: [AddedToken] = []
        var seen: Set<[UInt8]> = []
        var largestAddedID: Int?
        for element in try node.elements() {
            var token = try AddedToken(node: element)
            let text = Array(token.content.utf8)
            guard seen.insert(text).inserted else {
                throw element.invalid("token \(String(reflecting: token.content)) is added twice")
            }
            if let modelID = vocabulary.id(of: text) {
                token.id = Int(modelID)
            } else if let largest = largestAddedID, largest >= vocabulary.pieceCount {
                token.id = largest + 1
            } else {
                token.id = vocabulary.pieceCount
            }
            largestAddedID = max(largestAddedID ?? token.id, token.id)
            tokens.append(token)
        }
        return tokens
    }
}
