/// The `decoder` stage: turns token pieces back into text, one step at a time over the list of
/// pieces, as Hugging Face's `decode_chain` does; the final pieces are concatenated.
///
/// Implemented: `Sequence`, `Replace` (literal), `ByteFallback`, `Fuse`, `Strip`. Without a
/// decoder the pieces are joined with single spaces, as Hugging Face does.
struct TokenDecoder: Sendable {
    enum Step: Sendable {
        case replace(ByteReplacement)
        /// Runs of `<0xNN>` pieces become their bytes if those are valid UTF-8, else one U+FFFD
        /// per byte (the whole run, not per bad sequence — Hugging Face's rule).
        case byteFallback
        /// All pieces into one.
        case fuse
        /// Removes up to `start` leading and `stop` trailing copies of `content` from each piece.
        case strip(content: [UInt8], start: Int, stop: Int)
    }

    /// `nil` when tokenizer.json has no decoder.
    let steps: [Step]?

    init(node: JSONNode?) throws {
        guard let node else {
            steps = nil
            return
        }
        var steps: [Step] = []
        try TokenDecoder.appendSteps(from: node, to: &steps)
        self.steps = steps
    }

    private static func appendSteps(from node: JSONNode, to steps: inout [Step]) throws {
        let type = try node.stageType()
        switch type {
        case "Sequence":
            for child in try node.required("decoders").elements() {
                try appendSteps(from: child, to: &steps)
            }
        case "Replace":
            steps.append(.replace(try ByteReplacement(node: node)))
        case "ByteFallback":
            steps.append(.byteFallback)
        case "Fuse":
            steps.append(.fuse)
        case "Strip":
            let contentNode = try node.required("content")
            let content = try contentNode.string()
            guard content.unicodeScalars.count == 1 else { throw contentNode.invalid("must be exactly one character") }
            let startNode = try node.required("start"), stopNode = try node.required("stop")
            let start = try startNode.int(), stop = try stopNode.int()
            guard start >= 0 else { throw startNode.invalid("must not be negative") }
            guard stop >= 0 else { throw stopNode.invalid("must not be negative") }
            steps.append(.strip(content: Array(content.utf8), start: start, stop: stop))
        default:
            throw node.unsupportedStage(type)
        }
    }

    /// The text for `pieces` (UTF-8 bytes of each token's piece).
    func decode(_ pieces: [[UInt8]]) -> String {
        guard let steps else {
            return String(decoding: Array(pieces.joined(separator: [UInt8(ascii: " ")])), as: UTF8.self)
        }
        var pieces = pieces
        for step in steps {
            switch step {
            case let .replace(replacement):
                pieces = pieces.map { replacement.apply(to: $0) }
            case .byteFallback:
                pieces = TokenDecoder.decodeByteRuns(pieces)
            case .fuse:
                pieces = [Array(pieces.joined())]
            case let .strip(content, start, stop):
                pieces = pieces.map { TokenDecoder.strip($0, content: content, start: start, stop: stop) }
            }
        }
        return String(decoding: Array(pieces.joined()), as: UTF8.self)
    }

    /// The byte of a `<0xNN>` piece: six bytes, `<0x`, two hex digits, `>`. Like Rust's
    /// `u8::from_str_radix`, a `+` sign before a single digit is also accepted.
    static func byteValue(of piece: [UInt8]) -> UInt8? {
        guard piece.count == 6, piece[0] == UInt8(ascii: "<"), piece[1] == UInt8(ascii: "0"),
              piece[2] == UInt8(ascii: "x"), piece[5] == UInt8(ascii: ">") else { return nil }
        if piece[3] == UInt8(ascii: "+") { return hexDigit(piece[4]) }
        guard let high = hexDigit(piece[3]), let low = hexDigit(piece[4]) else { return nil }
        return high << 4 | low
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static let replacementCharacter = Array("\u{FFFD}".utf8)

    private static func decodeByteRuns(_ pieces: [[UInt8]]) -> [[UInt8]] {
        var output: [[UInt8]] = []
        output.reserveCapacity(pieces.count)
        var run: [UInt8] = []
        func flushRun() {
            guard !run.isEmpty else { return }
            if UTF8Validation.isValid(run) {
                output.append(run)
            } else {
                output.append(contentsOf: repeatElement(replacementCharacter, count: run.count))
            }
            run.removeAll(keepingCapacity: true)
        }
        for piece in pieces {
            if let byte = byteValue(of: piece) {
                run.append(byte)
            } else {
                flushRun()
                output.append(piece)
            }
        }
        flushRun()
        return output
    }

    private static func strip(_ piece: [UInt8], content: [UInt8], start: Int, stop: Int) -> [UInt8] {
        var lower = 0
        var upper = piece.count
        var stripped = 0
        while stripped < start, upper - lower >= content.count, piece[lower..<(lower + content.count)].elementsEqual(content) {
            lower += content.count
            stripped += 1
        }
        stripped = 0
        while stripped < stop, upper - lower >= content.count, piece[(upper - content.count)..<upper].elementsEqual(content) {
            upper -= content.count
            stripped += 1
        }
        return Array(piece[lower..<upper])
    }
}
