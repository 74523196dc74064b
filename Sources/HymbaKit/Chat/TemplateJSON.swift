/// JSON in and out of templates.
///
/// In: the chat file's JSON becomes template values as Python's `json.loads` would make them
/// (objects keep their key order; a repeated key keeps its first place and its last value).
///
/// Out: `tojson` is Hugging Face's replacement for Jinja's filter, `json.dumps(value,
/// ensure_ascii=False, indent=None, separators=None, sort_keys=False)`: keys in the order
/// given, `", "` and `": "` between items (`","` once indented), non-ASCII text as is, floats
/// as Python's repr (`1.0`, `1e-05`), NaN and Infinity as Python writes them.
enum TemplateJSON {
    /// A JSON document as template values; `path` names where a problem is (`messages[2].role`).
    static func value(from json: JSONValue, path: String = "") throws -> TemplateValue {
        switch json {
        case .null: return .none
        case let .bool(flag): return .bool(flag)
        case let .integer(number): return .int(number)
        case let .double(number): return .float(number)
        case let .largeInteger(digits):
            throw TemplateFailure.unsupported("the integer \(digits) at \(path.isEmpty ? "the top level" : path) (beyond 64 bits)")
        case let .string(text): return .string(text)
        case let .array(elements):
            return .list(try elements.enumerated().map { try value(from: $0.element, path: "\(path)[\($0.offset)]") })
        case let .object(members):
            var dict = TemplateDict()
            for member in members {
                let childPath = path.isEmpty ? member.key : "\(path).\(member.key)"
                try dict.set(.string(member.key), try value(from: member.value, path: childPath))
            }
            return .dict(dict)
        }
    }

    /// `tojson`'s keyword arguments.
    struct Options {
        var ensureASCII = false
        var indent: String?
        var itemSeparator = ", "
        var keySeparator = ": "
        var sortKeys = false

        init() {}

        init(_ arguments: TemplateArguments) throws {
            ensureASCII = arguments.value(0, "ensure_ascii")?.isTruthy ?? false
            if let indent = arguments.value(1, "indent"), !indent.isNone {
                switch indent {
                case let .string(text): self.indent = text
                case let .int(spaces):
                    guard spaces <= 1 << 16 else { throw TemplateFailure.limit("tojson(indent=\(spaces)) is too wide") }
                    self.indent = String(repeating: " ", count: max(0, spaces))
                default: throw TemplateFailure.runtime("tojson(indent=…) must be an integer, a string or none")
                }
                itemSeparator = ","
            }
            if let separators = arguments.value(2, "separators"), !separators.isNone {
                let parts: [TemplateValue]
                switch separators {
                case let .list(sequence), let .tuple(sequence): parts = sequence.items
                default: parts = []
                }
                guard parts.count == 2, case let .string(item) = parts[0], case let .string(key) = parts[1] else {
                    throw TemplateFailure.runtime("tojson(separators=…) must be two strings, (item separator, key separator)")
                }
                (itemSeparator, keySeparator) = (item, key)
            }
            sortKeys = arguments.value(3, "sort_keys")?.isTruthy ?? false
        }
    }

    static func encode(_ value: TemplateValue, options: Options = Options(), limit: Int) throws -> String {
        var builder = TextBuilder(limit: limit)
        try write(value, options: options, level: 0, into: &builder)
        return builder.result
    }

    private static func notSerializable(_ value: TemplateValue) -> TemplateFailure {
        if let failure = TemplateOperators.undefinedError(value) {
            return .runtime("Object of type Undefined is not JSON serializable (\(failure.message))")
        }
        return .runtime("Object of type \(value.typeName) is not JSON serializable")
    }

    private static func write(_ value: TemplateValue, options: Options, level: Int, into builder: inout TextBuilder) throws {
        guard level < TemplateValue.comparisonDepthLimit else { throw TemplateFailure.limit("a value nested too deeply for tojson") }
        switch value {
        case .none: try builder.append("null")
        case let .bool(flag): try builder.append(flag ? "true" : "false")
        case let .int(number): try builder.append(String(number))
        case let .float(number): try builder.append(floatText(number))
        case let .string(text): try builder.append(quoted(text, ensureASCII: options.ensureASCII))
        case let .list(sequence) where sequence.view == nil:
            try writeArray(sequence.items, options: options, level: level, into: &builder)
        case let .tuple(sequence):
            try writeArray(sequence.items, options: options, level: level, into: &builder)
        case let .dict(dict):
            var pairs = try dict.items.map { (key: try keyText($0.key), original: $0.key, value: $0.value) }
            if options.sortKeys {
                var failure: Error?
                pairs.sort { a, b in
                    do { return try a.original.less(than: b.original) } catch { failure = error; return false }
                }
                if let failure { throw failure }
            }
            guard !pairs.isEmpty else { try builder.append("{}"); return }
            try builder.append("{")
            for (index, pair) in pairs.enumerated() {
                try builder.append((index == 0 ? "" : options.itemSeparator) + newline(options, level + 1, limit: builder.limit))
                try builder.append(quoted(pair.key, ensureASCII: options.ensureASCII))
                try builder.append(options.keySeparator)
                try write(pair.value, options: options, level: level + 1, into: &builder)
            }
            try builder.append(newline(options, level, limit: builder.limit) + "}")
        default:
            throw notSerializable(value)
        }
    }

    private static func writeArray(_ items: [TemplateValue], options: Options, level: Int, into builder: inout TextBuilder) throws {
        guard !items.isEmpty else { try builder.append("[]"); return }
        try builder.append("[")
        for (index, item) in items.enumerated() {
            try builder.append((index == 0 ? "" : options.itemSeparator) + newline(options, level + 1, limit: builder.limit))
            try write(item, options: options, level: level + 1, into: &builder)
        }
        try builder.append(newline(options, level, limit: builder.limit) + "]")
    }

    private static func newline(_ options: Options, _ level: Int, limit: Int) throws -> String {
        guard let indent = options.indent else { return "" }
        let (width, overflowed) = indent.unicodeScalars.count.multipliedReportingOverflow(by: level)
        guard !overflowed, width <= limit else { throw TemplateFailure.limit("tojson's indentation would be longer than \(limit) characters") }
        return "\n" + String(repeating: indent, count: level)
    }

    private static func floatText(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        return PythonNumbers.floatRepr(number)
    }

    /// JSON object keys must be text; Python converts numbers, booleans and None.
    private static func keyText(_ key: TemplateValue) throws -> String {
        switch key {
        case let .string(text): return text
        case let .int(number): return String(number)
        case let .float(number): return floatText(number)
        case let .bool(flag): return flag ? "true" : "false"
        case .none: return "null"
        default: throw TemplateFailure.runtime("keys must be str, int, float, bool or None, not \(key.typeName)")
        }
    }

    /// A JSON string literal as Python's json module writes it.
    static func quoted(_ text: String, ensureASCII: Bool) -> String {
        var out = String.UnicodeScalarView()
        out.append("\"")
        func hex4(_ value: UInt32) {
            let digits = String(value, radix: 16)
            out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - digits.count) + digits).unicodeScalars)
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": out.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": out.append(contentsOf: "\\f".unicodeScalars)
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value >= 0x7F) {
                    if scalar.value > 0xFFFF {
                        let offset = scalar.value - 0x10000
                        hex4(0xD800 + (offset >> 10))
                        hex4(0xDC00 + (offset & 0x3FF))
                    } else {
                        hex4(scalar.value)
                    }
                } else {
                    out.append(scalar)
                }
            }
        }
        out.append("\"")
        return String(out)
    }
}
