import Foundation

/// A Hugging Face chat template — the Jinja text in `tokenizer_config.json`'s `chat_template`
/// that turns a list of messages into the model's prompt — parsed once and rendered exactly as
/// `transformers`' `apply_chat_template` renders it.
///
/// That means Jinja under Hugging Face's settings: `trim_blocks` and `lstrip_blocks` on, the
/// loop controls `{% break %}` / `{% continue %}`, the `{% generation %}` tag, Jinja's default
/// Undefined, an immutable sandbox, `tojson` as `json.dumps(ensure_ascii=False)`, and the globals
/// `raise_exception` and `strftime_now`. The template sees `messages`, `tools` and `documents`
/// (None when not given), `contexts` (only when given), `add_generation_prompt`, and the special
/// tokens (`bos_token`, `eos_token`, `unk_token`, `pad_token`, ...) as text.
///
/// Jinja this interpreter does not implement fails when the template is loaded (tags, filters,
/// tests) or when it is reached (methods), with a `ChatError` naming the construct and its line
/// and column — never a silently different prompt. docs/chat.md lists what is supported.
///
///     let template = try ChatTemplate(directory: modelFolder)
///     let chat = try ChatFile.read(path: "chat.json")
///     let prompt = try template.encode(chat, addGenerationPrompt: true, tokenizer: tokenizer)
///     // prompt.text: "<extra_id_0>System\n…", prompt.ids: the ids, no BOS added
public struct ChatTemplate: @unchecked Sendable {
    // @unchecked: the syntax tree is built by `init` and only read afterwards; every render
    // creates its own evaluator and values.

    /// The template's Jinja source.
    public let source: String
    /// The special tokens the template sees, by variable name (`bos_token` → `<s>`).
    public let specialTokens: [String: String]
    /// `additional_special_tokens`, when the tokenizer has them.
    public let additionalSpecialTokens: [String]?
    public let limits: TemplateLimits
    private let body: [Statement]

    /// Parses `source`.
    ///
    /// - Throws: `ChatError.templateSyntax`, `.unsupportedConstruct` or `.limitExceeded` with
    ///   the line and column in `source`.
    public init(source: String, specialTokens: [String: String] = [:], additionalSpecialTokens: [String]? = nil,
                limits: TemplateLimits = .default) throws {
        self.source = source
        self.specialTokens = specialTokens
        self.additionalSpecialTokens = additionalSpecialTokens
        self.limits = limits
        do {
            var lexer = try TemplateLexer(source: source, limits: limits)
            var parser = TemplateParser(tokens: try lexer.tokenize(), limits: limits)
            body = try parser.parseTemplate()
        } catch let failure as TemplateFailure {
            throw failure.chatError
        }
    }

    /// The chat template of a tokenizer (or model) folder: `chat_template` in
    /// tokenizer_config.json — a string, or a list of named templates of which "default" is
    /// taken, or "tool_use" when `forTools` — else a `chat_template.jinja` file; with the special
    /// tokens of tokenizer_config.json, overridden by special_tokens_map.json as transformers does.
    ///
    /// - Throws: `ChatError.noChatTemplate`, `.invalidTokenizerConfig`, or a template error.
    public init(directory: URL, forTools: Bool = false, limits: TemplateLimits = .default) throws {
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        let config = try Self.readJSONObject(configURL)
        var tokens: [String: String] = [:]
        var additional: [String]?
        for members in [config, try Self.readJSONObject(directory.appendingPathComponent("special_tokens_map.json"))] {
            for member in members ?? [] {
                if Self.specialTokenNames.contains(member.key), let text = Self.tokenText(member.value) {
                    tokens[member.key] = text
                } else if member.key == "additional_special_tokens", case let .array(list) = member.value {
                    additional = list.compactMap(Self.tokenText)
                }
            }
        }
        guard let source = try Self.templateSource(config: config, configPath: configURL.path, directory: directory, forTools: forTools) else {
            throw ChatError.noChatTemplate(directory: directory.path)
        }
        try self.init(source: source, specialTokens: tokens, additionalSpecialTokens: additional, limits: limits)
    }

    private static let specialTokenNames: Set<String> = [
        "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
    ]

    /// A token written as a string or as an AddedToken object with "content".
    private static func tokenText(_ json: JSONValue) -> String? {
        switch json {
        case let .string(text): return text
        case let .object(members):
            if case let .string(text)? = members.last(where: { $0.key == "content" })?.value { return text }
            return nil
        default: return nil
        }
    }

    /// The members of a JSON object file, nil when the file does not exist.
    private static func readJSONObject(_ url: URL) throws -> [JSONMember]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try readFile(url, limit: FileSizeLimit.json)
        } catch let error as FileTooLarge {
            throw error
        } catch {
            throw ChatError.invalidTokenizerConfig(path: url.path, reason: "cannot be read: \(readFailureReason(url, error))")
        }
        do {
            guard case let .object(members) = try JSONValue(parsing: [UInt8](data)) else {
                throw ChatError.invalidTokenizerConfig(path: url.path, reason: "should hold a JSON object")
            }
            return members
        } catch let error as JSONParseError {
            throw ChatError.invalidTokenizerConfig(path: url.path, reason: "not valid JSON: \(error.reason) at byte offset \(error.offset)")
        }
    }

    private static func templateSource(config: [JSONMember]?, configPath: String, directory: URL, forTools: Bool) throws -> String? {
        if let entry = config?.last(where: { $0.key == "chat_template" })?.value {
            switch entry {
            case let .string(text):
                return text
            case let .array(list):
                var named: [String: String] = [:]
                for item in list {
                    guard case let .object(members) = item,
                          case let .string(name)? = members.last(where: { $0.key == "name" })?.value,
                          case let .string(template)? = members.last(where: { $0.key == "template" })?.value else {
                        throw ChatError.invalidTokenizerConfig(path: configPath, reason: "chat_template entries should be {\"name\": …, \"template\": …}")
                    }
                    named[name] = template
                }
                if forTools, let template = named["tool_use"] { return template }
                guard let template = named["default"] else {
                    throw ChatError.invalidTokenizerConfig(path: configPath, reason: "chat_template has named templates (\(named.keys.sorted().joined(separator: ", "))) but no \"default\"")
                }
                return template
            case .null:
                break
            default:
                throw ChatError.invalidTokenizerConfig(path: configPath, reason: "chat_template should be a string or a list of named templates")
            }
        }
        let jinja = directory.appendingPathComponent("chat_template.jinja")
        guard FileManager.default.fileExists(atPath: jinja.path) else { return nil }
        do {
            return try readUTF8TextFile(jinja)
        } catch {
            throw ChatError.invalidTokenizerConfig(path: jinja.path, reason: "\(error)")
        }
    }

    // MARK: - Rendering

    /// The prompt text for `chat`.
    ///
    /// - Parameter addGenerationPrompt: end with the assistant's turn opener, as for generation.
    /// - Throws: `ChatError` — a runtime error, `raise_exception`, or a limit — with the line and
    ///   column of the template.
    public func render(_ chat: ChatFile, addGenerationPrompt: Bool) throws -> String {
        var context: [String: TemplateValue] = [
            "messages": .list(chat.messageValues),
            "tools": chat.tools ?? .none,
            "documents": chat.documents ?? .none,
            "add_generation_prompt": .bool(addGenerationPrompt),
        ]
        for (name, text) in specialTokens { context[name] = .string(text) }
        if let additionalSpecialTokens { context["additional_special_tokens"] = .list(additionalSpecialTokens.map(TemplateValue.string)) }
        if let contexts = chat.contexts { context["contexts"] = contexts }
        return try render(context: context)
    }

    /// Renders with exactly these variables (besides the globals).
    func render(context: [String: TemplateValue]) throws -> String {
        do {
            return try TemplateEvaluator(limits: limits).render(body, context: context)
        } catch let failure as TemplateFailure {
            throw failure.chatError
        }
    }

    /// `render(messages:…)` for a chat built in code.
    public func render(messages: [ChatMessage], contexts: [String]? = nil, addGenerationPrompt: Bool) throws -> String {
        try render(ChatFile(messages: messages, contexts: contexts), addGenerationPrompt: addGenerationPrompt)
    }

    /// The rendered text and its token ids, as `apply_chat_template(tokenize=True)`: the text is
    /// tokenized without adding special tokens (the template writes its own), so there is no BOS
    /// unless the template puts `<s>` in the text.
    public func encode(_ chat: ChatFile, addGenerationPrompt: Bool, tokenizer: Tokenizer) throws -> RenderedChat {
        let text = try render(chat, addGenerationPrompt: addGenerationPrompt)
        return RenderedChat(text: text, ids: tokenizer.encode(text, addSpecialTokens: false))
    }
}

/// A chat rendered by its template and tokenized.
public struct RenderedChat: Equatable, Sendable {
    public let text: String
    public let ids: [Int]
}
