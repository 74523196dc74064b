/// Literal find-and-replace over UTF-8 bytes, shared by the `Replace` normalizer and decoder.
///
/// Byte matching is exact scalar matching here: both sides are valid UTF-8, which is
/// self-synchronizing, so a pattern can only match at a scalar boundary. (Foundation's
/// `replacingOccurrences` would also match canonically equivalent text, which HF does not.)
struct ByteReplacement: Sendable {
    let pattern: [UInt8]
    let content: [UInt8]

    init(pattern: String, content: String) {
        self.pattern = Array(pattern.utf8)
        self.content = Array(content.utf8)
    }

    /// Reads a `Replace` stage: `{"pattern": {"String": " "}, "content": "▁"}`.
    init(node: JSONNode) throws {
        let patternNode = try node.required("pattern")
        if let regex = try patternNode.optional("Regex") {
            throw TokenizerError.unsupportedSetting(file: node.file, path: regex.path,
                                                    value: "\(String(reflecting: try regex.string())) (regular-expression patterns are not implemented)")
        }
        let patternString = try patternNode.required("String")
        pattern = Array(try patternString.string().utf8)
        guard !pattern.isEmpty else { throw patternString.invalid("the pattern is empty") }
        content = Array(try node.required("content").string().utf8)
    }

    /// Every non-overlapping occurrence of `pattern`, left to right, replaced by `content`.
    func apply(to text: [UInt8]) -> [UInt8] {
        text.withUnsafeBufferPointer { apply(to: $0) }
    }

    func apply(to text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count + text.count / 4)
        let first = pattern[0]
        let patternLength = pattern.count
        var index = 0
        var copiedUpTo = 0
        while index + patternLength <= text.count {
            if text[index] == first && matches(text, at: index) {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: text[copiedUpTo..<index]))
                output.append(contentsOf: content)
                index += patternLength
                copiedUpTo = index
            } else {
                index += 1
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: text[copiedUpTo...]))
        return output
    }

    @inline(__always)
    private func matches(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        for offset in 1..<pattern.count where text[index + offset] != pattern[offset] {
            return false
        }
        return true
    }
}
