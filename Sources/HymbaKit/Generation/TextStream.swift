/// Turns generated ids into text as they arrive, so a stream prints exactly the text that
/// decoding all ids at the end gives.
///
/// Pieces do not map to characters one by one: a multi-byte character may be split over byte
/// pieces (`<0xF0>` `<0x9F>` …), and the decoder strips the first leading space only. So each
/// call decodes all ids so far and hands out what was not handed out yet, holding back trailing
/// U+FFFD (possibly a character whose remaining bytes are still to come) until a later piece
/// settles it or `finish` is called.
public struct TextStream {
    private let tokenizer: Tokenizer
    private var ids: [Int] = []
    /// Unicode scalars handed out so far.
    private var emitted: [Unicode.Scalar] = []

    public init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Adds one id; returns the text that is now settled and not yet handed out (maybe empty).
    public mutating func append(_ id: Int) -> String {
        ids.append(id)
        var scalars = Array(tokenizer.decode(ids).unicodeScalars)
        while scalars.last == "\u{FFFD}" { scalars.removeLast() }
        return emit(scalars)
    }

    /// The rest of the text (held-back replacement characters included).
    public mutating func finish() -> String {
        emit(Array(tokenizer.decode(ids).unicodeScalars))
    }

    /// The whole text so far, as `decode` gives it.
    public var text: String { tokenizer.decode(ids) }

    private mutating func emit(_ scalars: [Unicode.Scalar]) -> String {
        // The decoded text only grows at its end for this tokenizer family; if it ever changed
        // what was handed out, nothing more is streamed until the text is past that point again.
        guard scalars.count > emitted.count, Array(scalars[0..<emitted.count]) == emitted else { return "" }
        let new = scalars[emitted.count...]
        emitted.append(contentsOf: new)
        var text = ""
        text.unicodeScalars.append(contentsOf: new)
        return text
    }
}
