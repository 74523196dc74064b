import ArgumentParser
import Foundation
import HymbaKit

/// `hymba-lens tokenize`: text → ids and ids → text with the model's own tokenizer.json, and a
/// chat → its prompt with the model's chat template.
///
/// The output format is a public contract (other programs parse it): keep it stable.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn text into token ids, or token ids back into text, with a model's tokenizer.",
        discussion: """
        Uses the tokenizer.json in the model folder (and tokenizer_config.json when present) and \
        gives exactly the ids and text of Hugging Face tokenizers. Encoding adds the BOS token <s> \
        in front. Special tokens written in the text (<s>, </s>, <unk>, [PAD]) become their ids, \
        and each piece of text between them is tokenized on its own.

        Give exactly one input: TEXT, --text-file FILE (read as UTF-8 and tokenized whole, \
        newlines included), --chat FILE, --decode IDS, or --decode-file FILE (ids separated by \
        commas, spaces or newlines — for more ids than a command line holds). FILE may be - \
        for standard input. Decoding leaves out special tokens unless --keep-special is given. \
        Put -- before a TEXT that starts with a dash, and write --decode=-1 for a value that does.

        --chat FILE renders a conversation with the chat template in the folder's \
        tokenizer_config.json, as Hugging Face's apply_chat_template does, and tokenizes the \
        result without adding the BOS (the template writes its own markers). FILE is JSON: a \
        list of {"role": …, "content": …} messages, or {"messages": […], "tools": […], \
        "contexts": […]}; --add-generation-prompt ends the prompt with the assistant's turn. \
        See docs/chat.md.

        Output, encoding:  ids: 1,15043,3186
                           tokens: <s> ▁Hello ▁world
        (▁ is a space, <0x0A> a raw byte; control characters are shown escaped.)
        Output, decoding:  the text itself.
        Output, a chat:    ids and tokens as for encoding, then text: the prompt.
        With --json, one line: {"ids":[...],"tokens":[...]} or {"text":"..."};
        for a chat {"ids":[...],"tokens":[...],"text":"..."}.

        Examples:
          hymba-lens tokenize --model models/hymba-tiny "Hello world"
          hymba-lens tokenize --model models/hymba-tiny --json --text-file notes.txt
          hymba-lens tokenize --model models/hymba-tiny --decode 1,15043,3186
          hymba-lens tokenize --model models/hymba-tiny --keep-special --decode 1,15043
          cat notes.txt | hymba-lens tokenize --model models/hymba-tiny --text-file -
          hymba-lens tokenize --model models/hymba-tiny --chat chat.json \\
              --add-generation-prompt --json
        """)

    @Option(help: ArgumentHelp("Folder holding tokenizer.json (a model folder works).", valueName: "dir"))
    var model: String

    @Argument(help: ArgumentHelp("Text to encode.", valueName: "text"))
    var text: String?

    @Option(name: .customLong("text-file"), help: ArgumentHelp("A UTF-8 text file to encode as one string (- = standard input).", valueName: "file"))
    var textFile: String?

    @Option(help: ArgumentHelp("Comma-separated token ids to decode, e.g. 1,15043,3186.", valueName: "ids"))
    var decode: String?

    @Option(name: .customLong("decode-file"), help: ArgumentHelp("A file of token ids to decode (commas, spaces or newlines between; - = standard input).", valueName: "file"))
    var decodeFile: String?

    @OptionGroup var chatOptions: ChatOptions

    @Flag(name: .customLong("keep-special"), help: "When decoding, keep special tokens such as <s> in the text.")
    var keepSpecial = false

    @Flag(help: "Print one line of JSON instead of text.")
    var json = false

    func run() throws {
        let inputs = [text != nil, textFile != nil, chatOptions.chat != nil, decode != nil, decodeFile != nil].filter { $0 }.count
        guard inputs == 1 else {
            throw TokenizeCommandError("give exactly one of TEXT, --text-file, --chat, --decode or --decode-file (got \(inputs))")
        }
        if keepSpecial && decode == nil && decodeFile == nil {
            throw TokenizeCommandError("--keep-special only applies to --decode and --decode-file")
        }
        let directory = Self.tokenizerDirectory(model)
        let tokenizer = try Tokenizer(directory: directory)

        if decode != nil || decodeFile != nil {
            let ids = try decode.map { try Self.parseIDs($0) }
                ?? Self.parseIDs(try readUTF8Text(path: decodeFile!), source: "--decode-file \(decodeFile!)", whitespaceSeparates: true)
            try tokenizer.validate(ids: ids)
            let decoded = tokenizer.decode(ids, skipSpecialTokens: !keepSpecial)
            print(json ? "{\"text\":\(Self.jsonString(decoded))}" : decoded)
            return
        }
        let ids: [Int]
        var rendered: String?
        if chatOptions.chat != nil {
            let chat = try chatOptions.render(directory: directory, tokenizer: tokenizer)
            (ids, rendered) = (chat.ids, chat.text)
        } else {
            ids = tokenizer.encode(try text ?? readUTF8Text(path: textFile ?? ""))
        }
        let tokens = tokenizer.tokenStrings(ids)
        if json {
            let idList = ids.map(String.init).joined(separator: ",")
            let tokenList = tokens.map(Self.jsonString).joined(separator: ",")
            let textMember = rendered.map { ",\"text\":" + Self.jsonString($0) } ?? ""
            print("{\"ids\":[\(idList)],\"tokens\":[\(tokenList)]\(textMember)}")
        } else {
            print("ids: " + ids.map(String.init).joined(separator: ","))
            print("tokens: " + tokens.map(Self.escapingControls).joined(separator: " "))
            if let rendered { print("text: " + Self.escapingControls(rendered)) }
        }
    }

    /// The folder to load: `path` itself, or its parent when `path` names tokenizer.json.
    static func tokenizerDirectory(_ path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        return url.lastPathComponent == "tokenizer.json" ? url.deletingLastPathComponent() : url
    }

    /// "1, 15043,3186" or "[1,15043,3186]" → [1, 15043, 3186]; "" → []. `--decode` separates
    /// ids by commas (an empty entry is an error); a `--decode-file` by commas and/or whitespace,
    /// so a JSON list or one id per line works. Errors name `source`.
    static func parseIDs(_ list: String, source: String = "--decode", whitespaceSeparates: Bool = false) throws -> [Int] {
        var body = list.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("[") && body.hasSuffix("]") { body = String(body.dropFirst().dropLast()) }
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        let parts = whitespaceSeparates
            ? body.components(separatedBy: CharacterSet(charactersIn: ",").union(.whitespacesAndNewlines)).filter { !$0.isEmpty }
            : body.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return try parts.map { part in
            guard let id = Int(part) else { throw TokenizeCommandError("\(source): '\(part)' is not a token id") }
            return id
        }
    }

    /// A JSON string literal (`JSONText`).
    static func jsonString(_ text: String) -> String { JSONText.string(text) }

    /// A token on one terminal line: control and line-separator characters made visible.
    static func escapingControls(_ token: String) -> String {
        var out = ""
        for scalar in token.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.properties.generalCategory == .control
                || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A usage problem with `tokenize`, reported as one line.
struct TokenizeCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
