import Foundation

/// A Hugging Face `tokenizer.json` tokenizer (Llama-style BPE, as Hymba ships), giving the same
/// ids, pieces and decoded text as the `tokenizers` library.
///
/// Encoding runs these stages, one file each:
///
///     text ─► AddedTokenSplitter ─► Normalizer ─► (normalized added tokens) ─► BPEModel ─► PostProcessor
///             "<s>", "[PAD]" cut      Prepend "▁",                              merges by rank,  <s> + ids
///             out of the raw text     " " → "▁"                                  byte fallback
///
/// and decoding runs the `TokenDecoder` steps over the pieces. Every stage is chosen by its JSON
/// `"type"`; a type or setting that is not implemented makes `init` throw, naming it, rather
/// than tokenize differently.
public struct Tokenizer: Sendable {
    /// Added tokens matched in the raw text (`normalized: false`, e.g. Hymba's specials).
    private let rawSplitter: AddedTokenSplitter
    /// Added tokens matched in normalized text (`normalized: true`).
    private let normalizedSplitter: AddedTokenSplitter
    private let normalizer: Normalizer
    private let model: BPEModel
    private let postProcessor: PostProcessor
    private let decoder: TokenDecoder
    /// tokenizer_config.json's `clean_up_tokenization_spaces`.
    private let cleansUpSpaces: Bool
    /// id → piece text (added tokens take precedence over the model vocabulary); nil for gaps.
    private let pieces: [String?]
    /// id → piece bytes, the decoder's input.
    private let pieceBytes: [[UInt8]?]
    /// id → whether its piece is a special added token's text (Hugging Face tests the text).
    private let specialFlags: [Bool]

    /// One past the largest id, added tokens included (32001 for Hymba).
    public let vocabularySize: Int
    /// The beginning-of-sequence token (`<s>` = 1 for Hymba), if the tokenizer has one.
    public let bosTokenID: Int?

    /// Loads `tokenizer.json` from `directory`, and `tokenizer_config.json` when present.
    ///
    /// - Throws: `TokenizerError` naming the file, the field and the problem.
    public init(directory: URL) throws {
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        let configURL = directory.appendingPathComponent(TokenizerConfig.fileName)
        let tokenizerData = try Tokenizer.read(tokenizerURL, limit: FileSizeLimit.tokenizer)
        let configData = FileManager.default.fileExists(atPath: configURL.path) ? try Tokenizer.read(configURL, limit: FileSizeLimit.json) : nil
        try self.init(tokenizerJSON: tokenizerData, tokenizerConfigJSON: configData,
                      tokenizerName: tokenizerURL.path, configName: configURL.path)
    }

    /// Builds a tokenizer from the contents of `tokenizer.json` and, optionally,
    /// `tokenizer_config.json` (which decides `add_bos_token` / `add_eos_token`).
    ///
    /// - Throws: `TokenizerError` naming the file, the field and the problem.
    public init(tokenizerJSON: Data, tokenizerConfigJSON: Data?) throws {
        try self.init(tokenizerJSON: tokenizerJSON, tokenizerConfigJSON: tokenizerConfigJSON,
                      tokenizerName: "tokenizer.json", configName: TokenizerConfig.fileName)
    }

    private init(tokenizerJSON: Data, tokenizerConfigJSON: Data?, tokenizerName: String, configName: String) throws {
        let root = try JSONNode.parse([UInt8](tokenizerJSON), file: tokenizerName)
        for setting in ["truncation", "padding"] {
            if let node = try root.optional(setting) {
                throw TokenizerError.unsupportedSetting(file: root.file, path: node.path, value: "non-null (\(setting) is not implemented)")
            }
        }
        if let preTokenizer = try root.optional("pre_tokenizer") {
            throw preTokenizer.unsupportedStage(try preTokenizer.stageType())
        }
        model = try BPEModel(node: try root.required("model"))
        let addedTokens = try AddedToken.readAll(root.optional("added_tokens"), vocabulary: model.vocabulary)
        normalizer = try Normalizer(node: root.optional("normalizer"))
        decoder = try TokenDecoder(node: root.optional("decoder"))
        rawSplitter = AddedTokenSplitter(patterns: addedTokens.filter { !$0.normalized }.map { (Array($0.content.utf8), $0.id) })
        // Hugging Face normalizes these tokens' own text too: "ing▁" is looked for as "▁ing▁".
        let normalizer = self.normalizer
        normalizedSplitter = AddedTokenSplitter(patterns: addedTokens.filter(\.normalized).map { token in
            (Array(token.content.utf8).withUnsafeBufferPointer { normalizer.normalize($0) }, token.id)
        })

        var pieces = model.vocabulary.pieces
        let largestAddedID = addedTokens.map(\.id).max() ?? -1
        if largestAddedID >= pieces.count {
            pieces += [String?](repeating: nil, count: largestAddedID + 1 - pieces.count)
        }
        for token in addedTokens { pieces[token.id] = token.content }
        let specialTexts = Set(addedTokens.filter(\.special).map { Array($0.content.utf8) })
        self.pieces = pieces
        pieceBytes = pieces.map { $0.map { Array($0.utf8) } }
        specialFlags = pieceBytes.map { $0.map(specialTexts.contains) ?? false }
        vocabularySize = pieces.count

        let addedIDs = Dictionary(addedTokens.map { (Array($0.content.utf8), $0.id) }, uniquingKeysWith: { first, _ in first })
        let vocabulary = model.vocabulary
        func id(ofToken text: String) -> Int? {
            addedIDs[Array(text.utf8)] ?? vocabulary.id(of: text).map(Int.init)
        }

        var postProcessor = try PostProcessor(node: root.optional("post_processor"))
        var bosTokenID = postProcessor.prefix.first
        var cleansUpSpaces = false
        if let configData = tokenizerConfigJSON {
            let configRoot = try JSONNode.parse([UInt8](configData), file: configName)
            let config = try TokenizerConfig(node: configRoot)
            func requiredID(_ text: String?, key: String) throws -> Int {
                guard let text else { throw TokenizerError.missingField(file: configName, path: key) }
                guard let id = id(ofToken: text) else { throw TokenizerError.unknownToken(file: configName, path: key, token: text) }
                return id
            }
            if let bos = config.bosToken, let bosID = id(ofToken: bos) { bosTokenID = bosID }
            cleansUpSpaces = config.cleansUpSpaces
            if config.overridesTemplate {
                let prefix = config.addsBOS ?? true ? [try requiredID(config.bosToken, key: "bos_token")] : []
                let suffix = config.addsEOS ?? false ? [try requiredID(config.eosToken, key: "eos_token")] : []
                postProcessor = PostProcessor(prefix: prefix, suffix: suffix)
            }
        }
        self.postProcessor = postProcessor
        self.bosTokenID = bosTokenID
        self.cleansUpSpaces = cleansUpSpaces
    }

    private static func read(_ url: URL, limit: Int) throws -> Data {
        do {
            return try readFile(url, limit: limit)
        } catch let error as FileTooLarge {
            throw error
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: readFailureReason(url, error))
        }
    }

    /// The token ids for `text`.
    ///
    /// Added tokens written in the text (`<s>`, `</s>`, `<unk>`, `[PAD]`) become their ids, and
    /// the text between them is normalized and merged piece by piece — so each piece gets its own
    /// leading `▁`. Cost is O(n log n) in the length of the longest piece, and mostly linear for
    /// prose, whose repeated words are merged once per call.
    ///
    /// - Parameter addSpecialTokens: add the post-processor's tokens (`<s>` in front for Hymba).
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var text = text
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 2)
        if addSpecialTokens { ids += postProcessor.prefix }
        let workspace = BPEWorkspace()
        var cache = ChunkCache()
        text.withUTF8 { raw in
            for piece in rawSplitter.split(raw) {
                switch piece {
                case let .token(id):
                    ids.append(id)
                case let .text(range):
                    let normalized = normalizer.normalize(UnsafeBufferPointer(rebasing: raw[range]))
                    normalized.withUnsafeBufferPointer { normalized in
                        for inner in normalizedSplitter.split(normalized) {
                            switch inner {
                            case let .token(id):
                                ids.append(id)
                            case let .text(range):
                                model.tokenize(UnsafeBufferPointer(rebasing: normalized[range]),
                                               workspace: workspace, cache: &cache, into: &ids)
                            }
                        }
                    }
                }
            }
        }
        if addSpecialTokens { ids += postProcessor.suffix }
        return ids
    }

    /// The vocabulary pieces for `ids`, e.g. `"▁Hello"`, `"<0x0A>"`, `"<s>"`; an id outside
    /// the vocabulary gives `""` (use `validate(ids:)` to reject those first).
    public func tokenStrings(_ ids: [Int]) -> [String] {
        ids.map { id in pieces.indices.contains(id) ? pieces[id] ?? "" : "" }
    }

    /// The text for `ids`, as Hugging Face's `decode` (`transformers`' when
    /// tokenizer_config.json asks for `clean_up_tokenization_spaces`).
    ///
    /// Ids outside the vocabulary are skipped, as Hugging Face does; call `validate(ids:)` first
    /// to treat them as an error instead.
    ///
    /// - Parameter skipSpecialTokens: leave out special tokens (`<s>`, `</s>`, `<unk>`, `[PAD]`).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        let kept: [[UInt8]] = ids.compactMap { id in
            guard pieceBytes.indices.contains(id), let piece = pieceBytes[id] else { return nil }
            return skipSpecialTokens && specialFlags[id] ? nil : piece
        }
        let text = decoder.decode(kept)
        return cleansUpSpaces ? SpaceCleanup.apply(to: text) : text
    }

    /// Whether `id` is a special token (skipped by `decode(_:skipSpecialTokens: true)`).
    public func isSpecial(_ id: Int) -> Bool {
        specialFlags.indices.contains(id) && specialFlags[id]
    }

    /// Checks that every id names a token.
    ///
    /// - Throws: `TokenizerError.tokenIDOutOfRange` for the first id that does not.
    public func validate(ids: [Int]) throws {
        for id in ids where !pieces.indices.contains(id) || pieces[id] == nil {
            throw TokenizerError.tokenIDOutOfRange(id: id, vocabularySize: vocabularySize)
        }
    }
}
