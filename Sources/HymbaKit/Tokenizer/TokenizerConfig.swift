/// What tokenizer_config.json says about the special tokens around every encoding.
///
/// `transformers`' Llama tokenizers rebuild the post-processor from `add_bos_token` /
/// `add_eos_token` (defaults true / false), overriding tokenizer.json's template; we do the same
/// whenever either key is present.
struct TokenizerConfig {
    var addsBOS: Bool?
    var addsEOS: Bool?
    /// The BOS token's text; `bos_token` may be a string or an object with `content`.
    var bosToken: String?
    var eosToken: String?
    /// `clean_up_tokenization_spaces`, applied after decoding (see `SpaceCleanup`).
    var cleansUpSpaces: Bool

    static let fileName = "tokenizer_config.json"

    init(node: JSONNode) throws {
        addsBOS = try node.optional("add_bos_token")?.bool()
        addsEOS = try node.optional("add_eos_token")?.bool()
        bosToken = try TokenizerConfig.tokenText(node.optional("bos_token"))
        eosToken = try TokenizerConfig.tokenText(node.optional("eos_token"))
        cleansUpSpaces = try node.optional("clean_up_tokenization_spaces")?.bool() ?? false
    }

    private static func tokenText(_ node: JSONNode?) throws -> String? {
        guard let node else { return nil }
        if case .object = node.value { return try node.required("content").string() }
        return try node.string()
    }

    /// Whether the config overrides the template at all.
    var overridesTemplate: Bool { addsBOS != nil || addsEOS != nil }
}
