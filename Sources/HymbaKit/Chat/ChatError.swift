/// Everything that can go wrong turning a chat into a prompt: the template (syntax, a construct
/// this interpreter does not implement, an error while rendering, the template's own
/// `raise_exception`, a safety limit) and the chat file. Each description is one line that says
/// where the problem is — template line and column, or the JSON path in the chat file.
///
/// A construct the interpreter does not implement is always an error, never an approximation:
/// a prompt that differs from Hugging Face's by one character is a different prompt.
public enum ChatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The template does not parse (also what Jinja itself would reject).
    case templateSyntax(line: Int, column: Int, message: String)
    /// The template uses Jinja that this interpreter does not implement; `construct` names it.
    case unsupportedConstruct(line: Int, column: Int, construct: String)
    /// Rendering failed: an undefined value used, a type error, a division by zero, ...
    case templateRuntime(line: Int, column: Int, message: String)
    /// The template called `raise_exception(message)` (templates use it to refuse a chat).
    case raisedByTemplate(line: Int, column: Int, message: String)
    /// Rendering hit one of the `TemplateLimits` (a guard against runaway templates).
    case limitExceeded(line: Int, column: Int, limit: String)
    /// The tokenizer folder has no chat template.
    case noChatTemplate(directory: String)
    /// tokenizer_config.json exists but its template entry is malformed.
    case invalidTokenizerConfig(path: String, reason: String)
    /// A chat file could not be read at all.
    case unreadableChatFile(path: String, reason: String)
    /// A chat file is not a valid chat: `source` names the file, `reason` the JSON path and problem.
    case invalidChatFile(source: String, reason: String)

    public var description: String {
        switch self {
        case let .templateSyntax(line, column, message):
            return "chat template, line \(line) column \(column): \(message)"
        case let .unsupportedConstruct(line, column, construct):
            return "chat template, line \(line) column \(column): \(construct) is not supported by this Jinja interpreter (see docs/chat.md)"
        case let .templateRuntime(line, column, message):
            return "chat template, line \(line) column \(column): \(message)"
        case let .raisedByTemplate(line, column, message):
            return "the chat template refused the chat (raise_exception at line \(line) column \(column)): \(message)"
        case let .limitExceeded(line, column, limit):
            return "chat template, line \(line) column \(column): rendering stopped, \(limit)"
        case let .noChatTemplate(directory):
            return "\(directory) has no chat template (no chat_template in tokenizer_config.json and no chat_template.jinja): base models have none, use the Instruct model's tokenizer files"
        case let .invalidTokenizerConfig(path, reason):
            return "\(path): \(reason)"
        case let .unreadableChatFile(path, reason):
            return "cannot read chat file \(path): \(reason)"
        case let .invalidChatFile(source, reason):
            return "\(source): \(reason)"
        }
    }
}
