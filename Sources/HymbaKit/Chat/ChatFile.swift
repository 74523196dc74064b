import Foundation

/// One message of a chat: who speaks and what they say.
public struct ChatMessage: Equatable, Sendable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat to render with a chat template, as the JSON file `--chat FILE` reads:
///
///     [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}]
///
/// or an object with the messages and what `apply_chat_template` takes besides them:
///
///     {"messages": [...], "tools": [{...JSON schema...}], "contexts": ["a passage", ...]}
///
/// (`documents`, a list of objects, is accepted too). Every message needs a `role` and a string
/// `content`; other keys of a message (`name`, `tool_calls`, ...) are passed to the template
/// untouched, in file order. The roles are checked because Hymba's template silently drops a
/// message whose role it does not know — a typo like "asistant" would vanish from the prompt.
///
/// Parsing never crashes on arbitrary bytes: every problem is a `ChatError.invalidChatFile`
/// naming the JSON path.
public struct ChatFile: @unchecked Sendable {
    // @unchecked: the values below are built once by `init` and never mutated afterwards.

    /// The roles Hymba's chat template renders.
    public static let knownRoles: [String] = ["system", "user", "assistant", "tool"]

    /// The messages' roles and contents, in order.
    public let messages: [ChatMessage]
    public var hasTools: Bool { tools != nil }
    public var hasContexts: Bool { contexts != nil }

    let messageValues: [TemplateValue]
    let tools: TemplateValue?
    let contexts: TemplateValue?
    let documents: TemplateValue?

    /// Parses a chat file's bytes; `source` names the file in errors ("chat.json", "standard input").
    ///
    /// - Parameter roles: the roles to accept (default: `knownRoles`).
    /// - Throws: `ChatError.invalidChatFile`.
    public init(data: Data, source: String = "the chat file", roles: [String] = ChatFile.knownRoles) throws {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: [UInt8](data))
        } catch let error as JSONParseError {
            throw ChatError.invalidChatFile(source: source, reason: "not valid JSON: \(error.reason) at byte offset \(error.offset)")
        }
        try self.init(json: json, source: source, roles: roles)
    }

    /// The chat in a parsed JSON document.
    init(json: JSONValue, source: String, roles: [String] = ChatFile.knownRoles) throws {
        func invalid(_ reason: String) -> ChatError { .invalidChatFile(source: source, reason: reason) }
        var messagesJSON: JSONValue?
        var toolsJSON: JSONValue?, contextsJSON: JSONValue?, documentsJSON: JSONValue?
        switch json {
        case .array:
            messagesJSON = json
        case let .object(members):
            for member in members {
                switch member.key {
                case "messages": messagesJSON = member.value
                case "tools": toolsJSON = member.value
                case "contexts": contextsJSON = member.value
                case "documents": documentsJSON = member.value
                default:
                    throw invalid("unknown key \(PythonText.repr(member.key)) (a chat file object has messages, and optionally tools, contexts and documents)")
                }
            }
        default:
            throw invalid("a chat file is a list of messages or an object with \"messages\", not \(Self.kind(json))")
        }
        guard let messagesJSON else { throw invalid("the object has no \"messages\" list") }
        guard case let .array(messageList) = messagesJSON else {
            throw invalid("messages should be a list of messages, not \(Self.kind(messagesJSON))")
        }
        guard !messageList.isEmpty else { throw invalid("the chat has no messages") }

        var summaries: [ChatMessage] = []
        var values: [TemplateValue] = []
        for (index, message) in messageList.enumerated() {
            let path = "messages[\(index)]"
            guard case let .object(members) = message else {
                throw invalid("\(path) should be an object with \"role\" and \"content\", not \(Self.kind(message))")
            }
            func field(_ key: String) -> JSONValue? { members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value }
            guard let roleJSON = field("role") else { throw invalid("\(path) has no \"role\"") }
            guard case let .string(role) = roleJSON else { throw invalid("\(path).role should be a string, not \(Self.kind(roleJSON))") }
            guard roles.contains(where: { $0.utf8.elementsEqual(role.utf8) }) else {
                throw invalid("\(path).role is \(PythonText.repr(role)), a role the chat template does not render (known roles: \(roles.joined(separator: ", ")))")
            }
            guard let contentJSON = field("content") else { throw invalid("\(path) has no \"content\"") }
            guard case let .string(content) = contentJSON else {
                throw invalid("\(path).content should be a string, not \(Self.kind(contentJSON))")
            }
            summaries.append(ChatMessage(role: role, content: content))
            values.append(try Self.convert(message, path: path, invalid: invalid))
        }
        messages = summaries
        messageValues = values

        tools = try toolsJSON.map { tools in
            guard case let .array(list) = tools else { throw invalid("tools should be a list of tool schemas, not \(Self.kind(tools))") }
            for (index, tool) in list.enumerated() {
                guard case .object = tool else { throw invalid("tools[\(index)] should be an object (a JSON schema), not \(Self.kind(tool))") }
            }
            return try Self.convert(tools, path: "tools", invalid: invalid)
        }
        contexts = try contextsJSON.map { contexts in
            guard case let .array(list) = contexts else { throw invalid("contexts should be a list of strings, not \(Self.kind(contexts))") }
            for (index, context) in list.enumerated() {
                guard case .string = context else { throw invalid("contexts[\(index)] should be a string, not \(Self.kind(context))") }
            }
            return try Self.convert(contexts, path: "contexts", invalid: invalid)
        }
        documents = try documentsJSON.map { documents in
            guard case let .array(list) = documents else { throw invalid("documents should be a list of objects, not \(Self.kind(documents))") }
            for (index, document) in list.enumerated() {
                guard case .object = document else { throw invalid("documents[\(index)] should be an object, not \(Self.kind(document))") }
            }
            return try Self.convert(documents, path: "documents", invalid: invalid)
        }
    }

    /// A chat built in code: plain messages, and optionally context passages.
    public init(messages: [ChatMessage], contexts: [String]? = nil) {
        self.messages = messages
        self.messageValues = messages.map { message in
            var dict = TemplateDict()
            try? dict.set(.string("role"), .string(message.role))
            try? dict.set(.string("content"), .string(message.content))
            return .dict(dict)
        }
        self.tools = nil
        self.contexts = contexts.map { .list($0.map(TemplateValue.string)) }
        self.documents = nil
    }

    /// Reads and parses a chat file; `-` is standard input.
    ///
    /// - Throws: `ChatError.unreadableChatFile` or `ChatError.invalidChatFile`.
    public static func read(path: String) throws -> ChatFile {
        if path == "-" {
            return try ChatFile(data: try readStandardInput(limit: FileSizeLimit.json), source: "standard input")
        }
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try readFile(url, limit: FileSizeLimit.json)
        } catch let error as FileTooLarge {
            throw error
        } catch {
            throw ChatError.unreadableChatFile(path: path, reason: readFailureReason(url, error))
        }
        return try ChatFile(data: data, source: path)
    }

    private static func convert(_ json: JSONValue, path: String, invalid: (String) -> ChatError) throws -> TemplateValue {
        do {
            return try TemplateJSON.value(from: json, path: path)
        } catch let failure as TemplateFailure {
            throw invalid("\(failure.message) is not supported")
        }
    }

    private static func kind(_ json: JSONValue) -> String {
        switch json {
        case .null: return "null"
        case .bool: return "true or false"
        case .integer, .double, .largeInteger: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
