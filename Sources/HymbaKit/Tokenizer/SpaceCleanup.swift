/// `transformers`' `clean_up_tokenization_spaces`: after decoding, drop the space before
/// punctuation and English contractions (`"Hello , world !"` → `"Hello, world!"`).
///
/// Not part of tokenizer.json; tokenizer_config.json turns it on (Hymba's turns it off). The
/// replacements run one after another, in this order, as `transformers` runs them.
enum SpaceCleanup {
    private static let replacements = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
        (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { ByteReplacement(pattern: $0.0, content: $0.1) }

    static func apply(to text: String) -> String {
        var bytes = Array(text.utf8)
        for replacement in replacements {
            bytes = replacement.apply(to: bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
