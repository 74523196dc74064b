/// The `"BPE"` model: splits normalized text into one symbol per Unicode scalar, spells
/// scalars without a piece as byte pieces (or `<unk>`), then applies merge rules by rank.
///
/// Behaviour follows Hugging Face `tokenizers` 0.20 exactly, including its corner cases:
/// a pending `<unk>` is not flushed by a byte-fallback scalar, consecutive unknown scalars fuse
/// into one `<unk>` only with `fuse_unk`, and unknown scalars vanish when there is no unk token.
struct BPEModel: Sendable {
    let vocabulary: Vocabulary
    private let scalarIDs: ScalarIDTable
    private let merges: MergeTable
    private let byteFallback: ByteFallbackTable?
    private let unknownID: Int32?
    private let fusesUnknown: Bool
    /// `ignore_merges`: a whole sequence that is itself a piece is emitted as that piece.
    private let ignoresMerges: Bool
    private let affixes: Affixes?
    /// True when cutting before each `▁` run provably cannot change the result (see
    /// `WordBoundary`), which lets `tokenize` merge short chunks and reuse their results.
    let splitsAtWordBoundaries: Bool
    /// The ids of every `▁`-initial piece taken as a whole chunk, computed once at load.
    private var wordPieces = ChunkCache()

    /// `continuing_subword_prefix` / `end_of_word_suffix`, which change the lookup of every scalar.
    private struct Affixes: Sendable {
        var prefix: [UInt8]
        var suffix: [UInt8]
    }

    /// Reads the `model` object of tokenizer.json.
    init(node: JSONNode) throws {
        let type = try node.stageType()
        guard type == "BPE" else { throw node.unsupportedStage(type) }
        if let dropout = try node.optional("dropout"), try dropout.double() != 0 {
            throw TokenizerError.unsupportedSetting(file: node.file, path: dropout.path,
                                                    value: "\(try dropout.double()) (BPE dropout is random)")
        }
        vocabulary = try Vocabulary(node: try node.required("vocab"))
        scalarIDs = ScalarIDTable(vocabulary: vocabulary)
        fusesUnknown = try node.optional("fuse_unk")?.bool() ?? false
        ignoresMerges = try node.optional("ignore_merges")?.bool() ?? false
        byteFallback = try node.optional("byte_fallback")?.bool() == true ? ByteFallbackTable(vocabulary: vocabulary) : nil

        if let unknown = try node.optional("unk_token") {
            let piece = try unknown.string()
            guard !piece.isEmpty else { throw unknown.invalid("the unk token cannot be empty") }
            // Hugging Face fails at encoding time when it needs a missing unk; we fail at load.
            guard let id = vocabulary.id(of: piece) else {
                throw TokenizerError.unknownToken(file: node.file, path: unknown.path, token: piece)
            }
            unknownID = id
        } else {
            unknownID = nil
        }

        let prefix = try node.optional("continuing_subword_prefix")?.string() ?? ""
        let suffix = try node.optional("end_of_word_suffix")?.string() ?? ""
        affixes = prefix.isEmpty && suffix.isEmpty ? nil : Affixes(prefix: Array(prefix.utf8), suffix: Array(suffix.utf8))

        let rules = try BPEModel.readMerges(try node.required("merges"), vocabulary: vocabulary, prefixLength: prefix.utf8.count)
        merges = MergeTable(rules: rules)

        // A scalar with neither a piece, byte pieces nor an unk vanishes, letting its neighbours
        // meet and merge; cutting is only exact when that cannot happen.
        let noScalarVanishes = unknownID != nil || byteFallback?.coversEveryByte == true
        splitsAtWordBoundaries = affixes == nil && noScalarVanishes
            && WordBoundary.cutsAreExact(vocabulary: vocabulary, scalarIDs: scalarIDs, unknownID: unknownID, rules: rules)
        if splitsAtWordBoundaries { wordPieces = precomputeWordPieces() }
    }

    /// Reads `model.merges`: either `"left right"` strings or `["left", "right"]` pairs.
    private static func readMerges(_ node: JSONNode, vocabulary: Vocabulary, prefixLength: Int) throws
        -> [(left: Int32, right: Int32, merged: Int32)]
    {
        let values = try node.arrayValues()
        var rules: [(left: Int32, right: Int32, merged: Int32)] = []
        rules.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            let left: String, right: String
            switch value {
            case let .string(line):
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError.invalidValue(file: node.file, path: node.elementPath(index),
                                                      reason: "merge \(String(reflecting: line)) is not two pieces separated by one space")
                }
                (left, right) = (String(parts[0]), String(parts[1]))
            case let .array(pair):
                guard pair.count == 2, case let .string(first) = pair[0], case let .string(second) = pair[1] else {
                    throw TokenizerError.invalidValue(file: node.file, path: node.elementPath(index),
                                                      reason: "a merge must be a pair of strings")
                }
                (left, right) = (first, second)
            default:
                throw TokenizerError.wrongType(file: node.file, path: node.elementPath(index),
                                               expected: "a string or an array of two strings")
            }
            // The merged piece drops the right part's continuing-subword prefix ("##").
            let rightBytes = Array(right.utf8)
            guard rightBytes.count >= prefixLength else {
                throw TokenizerError.invalidValue(file: node.file, path: node.elementPath(index),
                                                  reason: "\(String(reflecting: right)) is shorter than the continuing-subword prefix")
            }
            let mergedBytes = Array(left.utf8) + rightBytes[prefixLength...]
            func id(_ bytes: [UInt8], _ piece: String) throws -> Int32 {
                guard let id = vocabulary.id(of: bytes) else {
                    throw TokenizerError.unknownToken(file: node.file, path: node.elementPath(index), token: piece)
                }
                return id
            }
            rules.append((left: try id(Array(left.utf8), left),
                          right: try id(rightBytes, right),
                          merged: try id(mergedBytes, String(decoding: mergedBytes, as: UTF8.self))))
        }
        return rules
    }

    /// Appends the ids for `text`, one BPE sequence of valid UTF-8.
    func tokenize(_ text: UnsafeBufferPointer<UInt8>, workspace: BPEWorkspace, cache: inout ChunkCache, into output: inout [Int]) {
        guard !text.isEmpty else { return }
        if ignoresMerges, let id = vocabulary.id(of: Array(text)) {
            output.append(Int(id))
            return
        }
        guard splitsAtWordBoundaries else {
            tokenizeChunk(text, workspace: workspace, into: &output)
            return
        }
        var chunkStart = 0
        WordBoundary.forEachCut(in: text) { cut in
            tokenizeCachedChunk(UnsafeBufferPointer(rebasing: text[chunkStart..<cut]), workspace: workspace, cache: &cache, into: &output)
            chunkStart = cut
        }
        tokenizeCachedChunk(UnsafeBufferPointer(rebasing: text[chunkStart...]), workspace: workspace, cache: &cache, into: &output)
    }

    /// Runs BPE on each vocabulary piece that starts with `▁`, the chunks prose is made of.
    private func precomputeWordPieces() -> ChunkCache {
        var table = ChunkCache()
        let workspace = BPEWorkspace()
        var ids: [Int] = []
        for case let piece? in vocabulary.pieces where piece.unicodeScalars.first == WordBoundary.metaSymbol {
            var piece = piece
            piece.withUTF8 { bytes in
                ids.removeAll(keepingCapacity: true)
                tokenizeChunk(bytes, workspace: workspace, into: &ids)
                table.store(ids[...], for: bytes, hash: ChunkCache.hash(bytes))
            }
        }
        return table
    }

    private func tokenizeCachedChunk(_ chunk: UnsafeBufferPointer<UInt8>, workspace: BPEWorkspace, cache: inout ChunkCache, into output: inout [Int]) {
        let hash = ChunkCache.hash(chunk)
        if wordPieces.appendCachedIDs(for: chunk, hash: hash, to: &output) { return }
        if cache.appendCachedIDs(for: chunk, hash: hash, to: &output) { return }
        let start = output.count
        tokenizeChunk(chunk, workspace: workspace, into: &output)
        cache.store(output[start...], for: chunk, hash: hash)
    }

    /// BPE over one sequence, without any cutting: initial symbols, then merges.
    func tokenizeChunk(_ chunk: UnsafeBufferPointer<UInt8>, workspace: BPEWorkspace, into output: inout [Int]) {
        appendInitialSymbols(chunk, to: workspace)
        workspace.mergeAll(using: merges, verbatimStaleCheck: affixes != nil)
        workspace.appendSymbols(to: &output)
    }

    /// One symbol per scalar: its piece, else its byte pieces, else `<unk>` (fused or not).
    private func appendInitialSymbols(_ text: UnsafeBufferPointer<UInt8>, to workspace: BPEWorkspace) {
        workspace.removeAllSymbols()
        var unknownIsPending = false
        var index = 0
        let end = text.count
        while index < end {
            let lead = text[index]
            var length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            if index + length > end { length = end - index }  // unreachable for valid UTF-8
            let id: Int32
            if let affixes {
                id = affixedID(text, index: index, length: length, affixes: affixes)
            } else {
                id = scalarIDs.id(of: BPEModel.decodeScalar(text, at: index, length: length))
            }
            if id >= 0 {
                if unknownIsPending, let unknownID {
                    workspace.append(unknownID)
                    unknownIsPending = false
                }
                workspace.append(id)
            } else {
                let bytes = affixes.map { affixedBytes(text, index: index, length: length, affixes: $0) }
                    ?? Array(UnsafeBufferPointer(rebasing: text[index..<(index + length)]))
                appendUnknownScalar(bytes, unknownIsPending: &unknownIsPending, to: workspace)
            }
            index += length
        }
        if unknownIsPending, let unknownID { workspace.append(unknownID) }
    }

    /// A scalar with no piece: byte pieces if all exist (without flushing a pending unk, as
    /// Hugging Face does), else an `<unk>` that fuses with a pending one under `fuse_unk`.
    private func appendUnknownScalar(_ bytes: [UInt8], unknownIsPending: inout Bool, to workspace: BPEWorkspace) {
        if let byteFallback, bytes.withUnsafeBufferPointer({ byteFallback.coversAll($0) }) {
            for byte in bytes { workspace.append(byteFallback.id(of: byte)) }
            return
        }
        guard let unknownID else { return }  // no unk token: the scalar is dropped
        if unknownIsPending && !fusesUnknown { workspace.append(unknownID) }
        unknownIsPending = true
    }

    @inline(__always)
    private static func decodeScalar(_ text: UnsafeBufferPointer<UInt8>, at index: Int, length: Int) -> UInt32 {
        var scalar = UInt32(text[index])
        switch length {
        case 1: return scalar
        case 2: scalar &= 0x1F
        case 3: scalar &= 0x0F
        default: scalar &= 0x07
        }
        for offset in 1..<length {
            scalar = scalar << 6 | UInt32(text[index + offset] & 0x3F)
        }
        return scalar
    }

    /// The lookup string when affixes are configured: prefix unless first, suffix if last.
    private func affixedBytes(_ text: UnsafeBufferPointer<UInt8>, index: Int, length: Int, affixes: Affixes) -> [UInt8] {
        var bytes: [UInt8] = index == 0 ? [] : affixes.prefix
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[index..<(index + length)]))
        if index + length == text.count { bytes.append(contentsOf: affixes.suffix) }
        return bytes
    }

    private func affixedID(_ text: UnsafeBufferPointer<UInt8>, index: Int, length: Int, affixes: Affixes) -> Int32 {
        vocabulary.id(of: affixedBytes(text, index: index, length: length, affixes: affixes)) ?? -1
    }
}
