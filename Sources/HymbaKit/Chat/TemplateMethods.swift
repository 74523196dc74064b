/// The Python methods templates call on values: `content.strip()`, `text.split('\n')`,
/// `message.get('name', '')`, `tools.items()`, `loop.cycle('a', 'b')`, each with Python's
/// arguments and results.
enum TemplateMethods {
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith",
        "replace", "upper", "lower", "title", "capitalize", "find", "rfind", "index", "rindex",
        "count", "join", "isspace", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum",
        "islower", "isupper", "removeprefix", "removesuffix",
    ]

    /// Python str methods this interpreter does not implement: calling one is an error.
    static let otherStringMethods: Set<String> = [
        "casefold", "center", "encode", "expandtabs", "format", "format_map", "isascii",
        "isidentifier", "isprintable", "istitle", "ljust", "maketrans", "partition", "rjust",
        "rpartition", "swapcase", "translate", "zfill",
    ]

    static let dictMethods: Set<String> = ["items", "keys", "values", "get"]
    static let sequenceMethods: Set<String> = ["index", "count"]

    static func call(_ name: String, on receiver: TemplateValue, _ arguments: TemplateArguments,
                     evaluator: TemplateEvaluator) throws -> TemplateValue {
        try evaluator.charge()
        try evaluator.chargeSize(receiver)
        switch receiver {
        case let .string(text):
            return try stringMethod(name, text, arguments, evaluator: evaluator)
        case let .dict(dict):
            return try dictMethod(name, dict, arguments)
        case let .list(sequence), let .tuple(sequence):
            return try sequenceMethod(name, sequence.items, arguments)
        case let .loop(loop):
            guard !arguments.positional.isEmpty else { throw TemplateFailure.runtime("no items for cycling given") }
            guard arguments.keyword.isEmpty else { throw TemplateFailure.runtime("cycle() takes no keyword arguments") }
            return arguments.positional[loop.index0 % arguments.positional.count]
        default:
            throw TemplateFailure.runtime("'\(receiver.typeName)' object has no method '\(name)'")
        }
    }

    private static func noKeywords(_ name: String, _ arguments: TemplateArguments, atMost count: Int) throws {
        guard arguments.keyword.isEmpty else { throw TemplateFailure.runtime("\(name)() takes no keyword arguments") }
        guard arguments.positional.count <= count else {
            throw TemplateFailure.runtime("\(name)() takes at most \(count) argument(s) (\(arguments.positional.count) given)")
        }
    }

    private static func string(_ value: TemplateValue?, _ method: String, allowNone: Bool = true) throws -> String? {
        switch value {
        case nil: return nil
        case .none? where allowNone: return nil
        case let .string(text)?: return text
        case let other?: throw TemplateFailure.runtime("\(method)() argument must be str\(allowNone ? " or None" : ""), not \(other.typeName)")
        }
    }

    private static func integer(_ value: TemplateValue?, _ method: String, defaultValue: Int) throws -> Int {
        guard let value else { return defaultValue }
        if case .none = value { return defaultValue }
        guard case let .int(number)? = value.number else {
            throw TemplateFailure.runtime("'\(value.typeName)' object cannot be interpreted as an integer (in \(method)())")
        }
        return number
    }

    /// `text[start:end]` for the optional start/end arguments of find, count, startswith, ...
    private static func window(_ text: String, _ start: TemplateValue?, _ end: TemplateValue?, _ method: String) throws -> (String, Int) {
        let scalars = Array(text.unicodeScalars)
        let from = try start.flatMap { $0.isNone ? nil : try integer($0, method, defaultValue: 0) }
        let to = try end.flatMap { $0.isNone ? nil : try integer($0, method, defaultValue: 0) }
        let positions = TemplateAccess.sliceIndices(count: scalars.count, start: from, stop: to, step: 1)
        return (PythonText.string(positions.map { scalars[$0] }), positions.first ?? min(from.map { $0 < 0 ? max(0, $0 + scalars.count) : $0 } ?? 0, scalars.count))
    }

    private static func stringMethod(_ name: String, _ text: String, _ arguments: TemplateArguments,
                                     evaluator: TemplateEvaluator) throws -> TemplateValue {
        let first = arguments.positional.first
        let limit = evaluator.limits.maximumStringLength
        switch name {
        case "strip", "lstrip", "rstrip":
            try noKeywords(name, arguments, atMost: 1)
            return .string(PythonText.strip(text, characters: try string(first, name),
                                            leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            try arguments.check(name, accepts: ["sep", "maxsplit"])
            let separator = try string(arguments.value(0, "sep"), name)
            let maxSplit = try integer(arguments.value(1, "maxsplit"), name, defaultValue: -1)
            let parts = name == "split"
                ? try PythonText.split(text, separator: separator, maxSplit: maxSplit)
                : try PythonText.rsplit(text, separator: separator, maxSplit: maxSplit)
            return .list(parts.map(TemplateValue.string))
        case "splitlines":
            try arguments.check(name, accepts: ["keepends"])
            let keepEnds = arguments.value(0, "keepends")?.isTruthy ?? false
            return .list(PythonText.splitLines(text, keepEnds: keepEnds).map(TemplateValue.string))
        case "startswith", "endswith":
            try noKeywords(name, arguments, atMost: 3)
            guard let first else { throw TemplateFailure.runtime("\(name)() takes at least 1 argument (0 given)") }
            let (part, _) = try window(text, arguments.value(1, ""), arguments.value(2, ""), name)
            let candidates: [TemplateValue]
            if case let .tuple(sequence) = first { candidates = sequence.items } else { candidates = [first] }
            for candidate in candidates {
                guard case let .string(affix) = candidate else {
                    throw TemplateFailure.runtime("\(name) first arg must be str or a tuple of str, not \(candidate.typeName)")
                }
                let matched = name == "startswith"
                    ? part.unicodeScalars.starts(with: affix.unicodeScalars)
                    : part.unicodeScalars.reversed().starts(with: affix.unicodeScalars.reversed())
                if matched { return .bool(true) }
            }
            return .bool(false)
        case "replace":
            try noKeywords(name, arguments, atMost: 3)
            guard arguments.positional.count >= 2,
                  let old = try string(arguments.positional[0], name, allowNone: false),
                  let new = try string(arguments.positional[1], name, allowNone: false) else {
                throw TemplateFailure.runtime("replace() takes at least 2 arguments")
            }
            let count = try integer(arguments.value(2, ""), name, defaultValue: -1)
            return .string(try PythonText.replace(text, old, new, count: count, maximumLength: limit))
        case "upper", "lower", "title", "capitalize", "isspace", "isdigit", "isdecimal", "isnumeric",
             "isalpha", "isalnum", "islower", "isupper":
            try noKeywords(name, arguments, atMost: 0)
            return characterMethod(name, text)
        case "find", "rfind", "index", "rindex", "count":
            try noKeywords(name, arguments, atMost: 3)
            guard let needle = try string(first, name, allowNone: false) else {
                throw TemplateFailure.runtime("\(name)() takes at least 1 argument (0 given)")
            }
            let (part, offset) = try window(text, arguments.value(1, ""), arguments.value(2, ""), name)
            if name == "count" { return .int(PythonText.count(part, needle)) }
            let found = PythonText.find(part, needle, fromEnd: name.hasPrefix("r"))
            if found < 0 {
                if name.hasSuffix("index") { throw TemplateFailure.runtime("substring not found") }
                return .int(-1)
            }
            return .int(found + offset)
        case "join":
            try noKeywords(name, arguments, atMost: 1)
            guard let first else { throw TemplateFailure.runtime("join() takes exactly one argument (0 given)") }
            var builder = TextBuilder(limit: limit)
            for (index, item) in try first.elements().enumerated() {
                guard case let .string(piece) = item else {
                    throw TemplateFailure.runtime("sequence item \(index): expected str instance, \(item.typeName) found")
                }
                if index > 0 { try builder.append(text) }
                try builder.append(piece)
            }
            return .string(builder.result)
        case "removeprefix", "removesuffix":
            try noKeywords(name, arguments, atMost: 1)
            guard let affix = try string(first, name, allowNone: false) else {
                throw TemplateFailure.runtime("\(name)() takes exactly one argument (0 given)")
            }
            let scalars = Array(text.unicodeScalars), affixScalars = Array(affix.unicodeScalars)
            if name == "removeprefix", scalars.starts(with: affixScalars) {
                return .string(PythonText.string(scalars.dropFirst(affixScalars.count)))
            }
            if name == "removesuffix", !affixScalars.isEmpty, scalars.reversed().starts(with: affixScalars.reversed()) {
                return .string(PythonText.string(scalars.dropLast(affixScalars.count)))
            }
            return .string(text)
        default:
            throw TemplateFailure.unsupported("the str method '.\(name)()'")
        }
    }

    private static func characterMethod(_ name: String, _ text: String) -> TemplateValue {
        let scalars = text.unicodeScalars
        func all(_ predicate: (Unicode.Scalar) -> Bool) -> TemplateValue { .bool(!scalars.isEmpty && scalars.allSatisfy(predicate)) }
        func isAlpha(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return false
            }
        }
        switch name {
        case "upper": return .string(PythonText.upper(text))
        case "lower": return .string(PythonText.lower(text))
        case "title": return .string(PythonText.title(text))
        case "capitalize": return .string(PythonText.capitalize(text))
        case "isspace": return all(PythonText.isSpace)
        case "isdigit": return all { $0.properties.numericType == .decimal || $0.properties.numericType == .digit }
        case "isdecimal": return all { $0.properties.numericType == .decimal }
        case "isnumeric": return all { $0.properties.numericType != nil }
        case "isalpha": return all(isAlpha)
        case "isalnum": return all { isAlpha($0) || $0.properties.numericType != nil }
        case "islower": return .bool(PythonText.isLower(text))
        default: return .bool(PythonText.isUpper(text))
        }
    }

    private static func dictMethod(_ name: String, _ dict: TemplateDict, _ arguments: TemplateArguments) throws -> TemplateValue {
        switch name {
        case "items":
            try noKeywords(name, arguments, atMost: 0)
            return .list(TemplateSequence(dict.items.map { .tuple([$0.key, $0.value]) }, view: .items))
        case "keys":
            try noKeywords(name, arguments, atMost: 0)
            return .list(TemplateSequence(dict.keys, view: .keys))
        case "values":
            try noKeywords(name, arguments, atMost: 0)
            return .list(TemplateSequence(dict.values, view: .values))
        default:
            try noKeywords(name, arguments, atMost: 2)
            guard let key = arguments.positional.first else { throw TemplateFailure.runtime("get expected at least 1 argument, got 0") }
            return try dict.value(for: key) ?? arguments.value(1, "") ?? .none
        }
    }

    private static func sequenceMethod(_ name: String, _ items: [TemplateValue], _ arguments: TemplateArguments) throws -> TemplateValue {
        try noKeywords(name, arguments, atMost: name == "index" ? 3 : 1)
        guard let needle = arguments.positional.first else { throw TemplateFailure.runtime("\(name)() takes at least 1 argument (0 given)") }
        if name == "count" { return .int(try items.filter { try $0.equals(needle) }.count) }
        guard arguments.positional.count == 1 else { throw TemplateFailure.unsupported("list.index() with start and end") }
        guard let position = try items.firstIndex(where: { try $0.equals(needle) }) else {
            throw TemplateFailure.runtime("\(try needle.repr(limit: 200)) is not in list")
        }
        return .int(position)
    }
}
