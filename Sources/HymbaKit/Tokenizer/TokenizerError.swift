/// Everything that can go wrong reading a tokenizer or its input, each naming the file, the JSON
/// path and the offending value so the one-line description is enough to fix the problem.
///
/// A tokenizer file that asks for behaviour we do not implement is an error, never a silent
/// approximation: different token ids would quietly change every downstream result.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be read at all (missing, a directory, no permission).
    case unreadableFile(path: String, reason: String)
    /// A text file is not valid UTF-8; `byteOffset` is where the first bad sequence starts.
    case invalidUTF8(path: String, byteOffset: Int)
    /// A JSON file does not parse.
    case invalidJSON(file: String, byteOffset: Int, reason: String)
    /// A required field is absent or `null`.
    case missingField(file: String, path: String)
    /// A field holds the wrong kind of JSON value.
    case wrongType(file: String, path: String, expected: String)
    /// A pipeline stage (normalizer, model, decoder, ...) whose `type` is not implemented.
    case unsupportedStage(file: String, path: String, type: String)
    /// A setting that would change the output in a way that is not implemented.
    case unsupportedSetting(file: String, path: String, value: String)
    /// A token that must exist in the vocabulary (merge parts, unk, template specials) does not.
    case unknownToken(file: String, path: String, token: String)
    /// A value that is well-typed but unusable (negative id, duplicate token, empty pattern, ...).
    case invalidValue(file: String, path: String, reason: String)
    /// A token id outside `0 ..< vocabularySize` (see `Tokenizer.validate(ids:)`).
    case tokenIDOutOfRange(id: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "cannot read \(path): \(reason)"
        case let .invalidUTF8(path, byteOffset):
            return "\(path) is not valid UTF-8 text (first invalid byte at offset \(byteOffset))"
        case let .invalidJSON(file, byteOffset, reason):
            return "\(file) is not valid JSON: \(reason) at byte offset \(byteOffset)"
        case let .missingField(file, path):
            return "\(file): required field \(path) is missing"
        case let .wrongType(file, path, expected):
            return "\(file): \(path) should be \(expected)"
        case let .unsupportedStage(file, path, type):
            return "\(file): \(path) has type \"\(type)\", which this tokenizer does not implement"
        case let .unsupportedSetting(file, path, value):
            return "\(file): \(path) = \(value) is not supported"
        case let .unknownToken(file, path, token):
            return "\(file): \(path) names token \(String(reflecting: token)), which is not in the vocabulary"
        case let .invalidValue(file, path, reason):
            return "\(file): \(path): \(reason)"
        case let .tokenIDOutOfRange(id, vocabularySize):
            return "token id \(id) is outside the vocabulary (valid ids are 0..<\(vocabularySize))"
        }
    }
}
