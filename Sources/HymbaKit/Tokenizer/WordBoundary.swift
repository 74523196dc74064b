/// Where one BPE sequence can be cut into independent chunks without changing its tokens.
///
/// There is no pre-tokenizer in a Llama-style tokenizer: everything between two special tokens
/// is one BPE sequence. But SentencePiece vocabularies never merge across the start of a word,
/// and when the merge rules prove that, we cut before every `▁` that follows a non-`▁` scalar
/// (`▁the▁▁cat` → `▁the`, `▁▁cat`), merge each short chunk on its own and reuse the results of
/// repeated chunks. The output is identical, for this reason:
///
/// - The symbol that starts at a cut covers text beginning with `▁`. `▁` has its own piece, so
///   its piece begins with `▁` (a merged piece is the concatenation of its parts' pieces).
/// - The symbol that ends at a cut covers text ending in another scalar, so its piece is not
///   made only of `▁`s (byte pieces are `<0xNN>`, and `<unk>` is checked below).
/// - If no rule merges a left piece that is not all `▁`s with a right piece that begins with `▁`,
///   the pair across the cut never has a rule: it never enters the queue, and a stale entry
///   that meets it is skipped just as one at the end of a chunk is. Each side therefore pops its
///   own entries in the same (rank, position) order and ends the same.
/// - An unknown scalar's pending `<unk>` is flushed by the next known scalar; the scalar after
///   a cut is the known `▁`, so it is flushed exactly where the chunk ends.
enum WordBoundary {
    /// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space.
    static let metaSymbol: Unicode.Scalar = "\u{2581}"

    /// Calls `body` with the byte offset of each cut in `text`, left to right.
    @inline(__always)
    static func forEachCut(in text: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        // "▁" is E2 96 81; UTF-8 is self-synchronizing, so matching these bytes finds the scalar.
        var index = 1
        let end = text.count - 2
        while index < end {
            if text[index] == 0xE2 && text[index + 1] == 0x96 && text[index + 2] == 0x81 {
                let followsMeta = index >= 3 && text[index - 3] == 0xE2 && text[index - 2] == 0x96 && text[index - 1] == 0x81
                if !followsMeta { body(index) }
                index += 3
            } else {
                index += 1
            }
        }
    }

    /// True when the argument above holds for this vocabulary and these rules.
    static func cutsAreExact(vocabulary: Vocabulary, scalarIDs: ScalarIDTable, unknownID: Int32?,
                             rules: [(left: Int32, right: Int32, merged: Int32)]) -> Bool {
        let metaID = scalarIDs.id(of: metaSymbol.value)
        guard metaID >= 0, metaID != unknownID else { return false }
        if let unknownID, isAllMeta(vocabulary.pieces[Int(unknownID)]) { return false }
        for rule in rules where startsWithMeta(vocabulary.pieces[Int(rule.right)]) {
            if !isAllMeta(vocabulary.pieces[Int(rule.left)]) { return false }
        }
        return true
    }

    private static func startsWithMeta(_ piece: String?) -> Bool {
        piece?.unicodeScalars.first == metaSymbol
    }

    private static func isAllMeta(_ piece: String?) -> Bool {
        guard let piece, !piece.isEmpty else { return false }
        return piece.unicodeScalars.allSatisfy { $0 == metaSymbol }
    }
}
