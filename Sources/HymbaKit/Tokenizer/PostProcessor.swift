/// The `post_processor` stage for a single sequence: special-token ids placed before and after
/// the text's ids when `addSpecialTokens` is true (`<s>` in front, for Hymba).
struct PostProcessor: Sendable {
    let prefix: [Int]
    let suffix: [Int]

    init(prefix: [Int], suffix: [Int]) {
        self.prefix = prefix
        self.suffix = suffix
    }

    /// Reads the `post_processor` object; `nil` means nothing is added. Only the `single`
    /// template of `TemplateProcessing` is used (pairs are not part of our API).
    init(node: JSONNode?) throws {
        guard let node else {
            self.init(prefix: [], suffix: [])
            return
        }
        let type = try node.stageType()
        guard type == "TemplateProcessing" else { throw node.unsupportedStage(type) }
        let specialTokens = try node.required("special_tokens")
        let template = try node.required("single")
        var prefix: [Int] = []
        var suffix: [Int] = []
        var sawSequence = false
        for item in try template.elements() {
            if let special = try item.optional("SpecialToken") {
                let name = try special.required("id")
                guard let entry = try specialTokens.optional(try name.string()) else {
                    throw TokenizerError.unknownToken(file: node.file, path: "\(name.path) (not in \(specialTokens.path))", token: try name.string())
                }
                let ids = try entry.required("ids").elements().map { element in
                    let id = try element.int()
                    guard id >= 0, id < Int(Int32.max) else { throw element.invalid("ids must be in 0..<\(Int32.max)") }
                    return id
                }
                if sawSequence { suffix += ids } else { prefix += ids }
            } else if let sequence = try item.optional("Sequence") {
                let name = try sequence.required("id")
                guard try name.string() == "A", !sawSequence else {
                    throw name.invalid("a single-sequence template must contain sequence \"A\" exactly once")
                }
                sawSequence = true
            } else {
                throw item.invalid("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}")
            }
        }
        guard sawSequence else { throw template.invalid("the template never places sequence \"A\"") }
        self.init(prefix: prefix, suffix: suffix)
    }

    /// `ids` with the template's special tokens around them.
    func apply(to ids: [Int]) -> [Int] {
        prefix.isEmpty && suffix.isEmpty ? ids : prefix + ids + suffix
    }
}
