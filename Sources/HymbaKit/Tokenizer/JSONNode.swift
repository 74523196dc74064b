/// A JSON value together with its file name and path (`model.merges[3]`), so that every typed
/// read can fail with a `TokenizerError` that says exactly where the problem is.
struct JSONNode {
    let value: JSONValue
    let file: String
    let path: String

    /// Parses `bytes` as the JSON file named `file`.
    static func parse(_ bytes: [UInt8], file: String) throws -> JSONNode {
        do {
            return JSONNode(value: try JSONValue(parsing: bytes), file: file, path: "")
        } catch let error as JSONParseError {
            throw TokenizerError.invalidJSON(file: file, byteOffset: error.offset, reason: error.reason)
        }
    }

    var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    /// The node for member `key` of this object; the value is `.null` when absent.
    func child(_ key: String) throws -> JSONNode {
        let members = try objectMembers()
        let match = members.last { $0.key.utf8.elementsEqual(key.utf8) }
        return JSONNode(value: match?.value ?? .null, file: file, path: childPath(key))
    }

    /// Member `key`, or nil when it is absent or `null`.
    func optional(_ key: String) throws -> JSONNode? {
        let node = try child(key)
        return node.isNull ? nil : node
    }

    /// Member `key`, which must be present and not `null`.
    func required(_ key: String) throws -> JSONNode {
        guard let node = try optional(key) else {
            throw TokenizerError.missingField(file: file, path: childPath(key))
        }
        return node
    }

    func childPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func elementPath(_ index: Int) -> String {
        "\(path)[\(index)]"
    }

    func string() throws -> String {
        guard case let .string(string) = value else { throw wrongType("a string") }
        return string
    }

    func int() throws -> Int {
        guard case let .integer(number) = value else { throw wrongType("an integer") }
        return number
    }

    func bool() throws -> Bool {
        guard case let .bool(flag) = value else { throw wrongType("true or false") }
        return flag
    }

    /// A number of either kind, for settings like `dropout`.
    func double() throws -> Double {
        switch value {
        case let .integer(number): return Double(number)
        case let .double(number): return number
        case let .largeInteger(digits): return Double(digits) ?? .infinity
        default: throw wrongType("a number")
        }
    }

    /// The elements of an array, each with its own path.
    func elements() throws -> [JSONNode] {
        try arrayValues().enumerated().map { index, element in
            JSONNode(value: element, file: file, path: elementPath(index))
        }
    }

    /// The raw elements, for large arrays where building a path per element would be waste.
    func arrayValues() throws -> [JSONValue] {
        guard case let .array(elements) = value else { throw wrongType("an array") }
        return elements
    }

    /// The raw members in file order, duplicates included.
    func objectMembers() throws -> [JSONMember] {
        guard case let .object(members) = value else { throw wrongType("an object") }
        return members
    }

    /// The `"type"` string that selects a pipeline stage.
    func stageType() throws -> String {
        try required("type").string()
    }

    func wrongType(_ expected: String) -> TokenizerError {
        .wrongType(file: file, path: path.isEmpty ? "the top level" : path, expected: expected)
    }

    func unsupportedStage(_ type: String) -> TokenizerError {
        .unsupportedStage(file: file, path: path, type: type)
    }

    func invalid(_ reason: String) -> TokenizerError {
        .invalidValue(file: file, path: path.isEmpty ? "the top level" : path, reason: reason)
    }
}
