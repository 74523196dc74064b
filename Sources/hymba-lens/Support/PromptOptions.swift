import ArgumentParser
import Foundation
import HymbaKit

/// The prompt of a run: token ids, text tokenized with the model's own tokenizer, or a chat
/// rendered with the model's chat template.
struct PromptOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Comma-separated token ids, e.g. 1,450,4996 (include the BOS id 1 yourself).", valueName: "ids"))
    var ids: String?

    @Option(help: ArgumentHelp("Text to tokenize with the model's tokenizer.json (the BOS is added; --text=-x for text starting with a dash).", valueName: "text"))
    var text: String?

    @Option(name: .customLong("text-file"), help: ArgumentHelp("A UTF-8 text file to tokenize as one prompt (- = standard input).", valueName: "file"))
    var textFile: String?

    @OptionGroup var chat: ChatOptions

    func validate() throws {
        let given = [ids != nil, text != nil, textFile != nil, chat.chat != nil].filter { $0 }.count
        guard given == 1 else {
            throw ValidationError("give exactly one of --ids, --text, --text-file or --chat")
        }
    }

    /// The prompt's ids, and their token strings when a tokenizer is in the model folder.
    func resolve(modelDirectory: URL) throws -> (ids: [Int], tokens: [String]?) {
        let tokenizer = FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("tokenizer.json").path)
            ? try Tokenizer(directory: modelDirectory) : nil
        if let ids {
            let parsed = try Self.parseIDs(ids)
            try tokenizer?.validate(ids: parsed)
            return (parsed, tokenizer?.tokenStrings(parsed))
        }
        guard let tokenizer else {
            throw CLIError("\(modelDirectory.path) has no tokenizer.json: give --ids instead of \(chat.chat == nil ? "text" : "a chat")")
        }
        if chat.chat != nil {
            let rendered = try chat.render(directory: modelDirectory, tokenizer: tokenizer)
            return (rendered.ids, tokenizer.tokenStrings(rendered.ids))
        }
        let content = try text ?? readUTF8Text(path: textFile!)
        let encoded = tokenizer.encode(content)
        return (encoded, tokenizer.tokenStrings(encoded))
    }

    /// "1, 45,77" → [1, 45, 77]; empty or non-integer entries are errors.
    static func parseIDs(_ text: String) throws -> [Int] {
        try parseIntegers(text, option: "--ids", noun: "token id", article: "a")
    }

    /// A comma-separated list of integers given to `option`; errors name the option.
    static func parseIntegers(_ text: String, option: String, noun: String, article: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.allSatisfy(\.isEmpty) { throw CLIError("\(option) is empty: give at least one \(noun)") }
        return try parts.map { part in
            guard let value = Int(part) else { throw CLIError("\(option): '\(part)' is not \(article) \(noun)") }
            return value
        }
    }
}
