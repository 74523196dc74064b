/// The `normalizer` stage, run on each piece of text between added tokens.
///
/// Implemented: `Sequence`, `Prepend` and `Replace` with a literal pattern — what Llama-style
/// tokenizers use (`Prepend("▁")`, then `Replace(" " → "▁")`). Any other type is an error.
struct Normalizer: Sendable {
    enum Step: Sendable {
        /// Prepends the bytes unless the text is empty (Hugging Face leaves "" alone).
        case prepend([UInt8])
        case replace(ByteReplacement)
    }

    let steps: [Step]

    /// Reads the `normalizer` object; `nil` (JSON `null`) means no normalization.
    init(node: JSONNode?) throws {
        var steps: [Step] = []
        if let node { try Normalizer.appendSteps(from: node, to: &steps) }
        self.steps = steps
    }

    private static func appendSteps(from node: JSONNode, to steps: inout [Step]) throws {
        let type = try node.stageType()
        switch type {
        case "Sequence":
            for child in try node.required("normalizers").elements() {
                try appendSteps(from: child, to: &steps)
            }
        case "Prepend":
            steps.append(.prepend(Array(try node.required("prepend").string().utf8)))
        case "Replace":
            steps.append(.replace(try ByteReplacement(node: node)))
        default:
            throw node.unsupportedStage(type)
        }
    }

    /// The normalized UTF-8 bytes of `text`.
    func normalize(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bytes = Array(text)
        for step in steps {
            switch step {
            case let .prepend(prefix):
                if !bytes.isEmpty { bytes = prefix + bytes }
            case let .replace(replacement):
                bytes = replacement.apply(to: bytes)
            }
        }
        return bytes
    }
}
