/// Jinja's filters (`value | name(arguments)`) that chat templates use, each with Jinja 3.1's
/// behaviour — including where it surprises: `map`, `select`, `reject`, `selectattr`,
/// `rejectattr`, `unique` and `items` return one-pass iterators (always true, no `length`:
/// templates write `|list|length`), `title` capitalises after spaces, dashes and brackets only,
/// `int` reads "42.7" as 42, `sort` and `unique` ignore case unless told otherwise, and
/// `tojson` is Hugging Face's (`json.dumps` with `ensure_ascii=False`, keys in given order).
enum TemplateFilters {
    static let supported: Set<String> = [
        "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "first", "float",
        "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
        "reject", "rejectattr", "replace", "reverse", "select", "selectattr", "sort", "string", "sum",
        "title", "tojson", "trim", "unique", "upper", "wordcount",
    ]

    /// Jinja's other built-in filters: known, not implemented (`safe` and `escape` would need
    /// Jinja's Markup strings, which escape whatever is added to them).
    static let unsupported: Set<String> = [
        "batch", "e", "escape", "filesizeformat", "forceescape", "format", "groupby", "pprint", "random",
        "round", "safe", "slice", "striptags", "truncate", "urlencode", "urlize", "wordwrap", "xmlattr",
    ]

    static func checkSupported(_ name: String, at location: SourceLocation) throws {
        if supported.contains(name) { return }
        if unsupported.contains(name) {
            throw TemplateFailure(kind: .unsupported, message: "the filter '\(name)'", location: location)
        }
        throw TemplateFailure.syntax("no filter named '\(name)'", at: location)
    }

    static func apply(_ name: String, to value: TemplateValue, _ arguments: TemplateArguments,
                      evaluator: TemplateEvaluator) throws -> TemplateValue {
        let limits = evaluator.limits
        func text(_ value: TemplateValue) throws -> String { try value.text(limit: limits.maximumStringLength) }
        try evaluator.charge()
        try evaluator.chargeSize(value)
        switch name {
        case "abs":
            try arguments.check(name, accepts: [])
            if let failure = TemplateOperators.undefinedError(value) { throw failure }
            switch value.number {
            case let .int(number)?:
                guard number != Int.min else { throw TemplateFailure.unsupported("an integer result beyond 64 bits (in 'abs')") }
                return .int(abs(number))
            case let .float(number)?: return .float(abs(number))
            case nil: throw TemplateFailure.runtime("bad operand type for abs(): '\(value.typeName)'")
            }
        case "attr":
            try arguments.check(name, accepts: ["name"])
            guard case let .string(attribute)? = arguments.value(0, "name") else {
                throw TemplateFailure.runtime("attr() needs an attribute name")
            }
            return try attributeOnly(value, attribute)
        case "capitalize":
            try arguments.check(name, accepts: [])
            return .string(PythonText.capitalize(try text(value)))
        case "center":
            try arguments.check(name, accepts: ["width"])
            let width = try integer(arguments.value(0, "width"), name, defaultValue: 80)
            return .string(try center(try text(value), width: width, limit: limits.maximumStringLength))
        case "count", "length":
            try arguments.check(name, accepts: [])
            return .int(try value.length())
        case "d", "default":
            try arguments.check(name, accepts: ["default_value", "boolean"])
            let fallback = arguments.value(0, "default_value") ?? .emptyString
            let boolean = arguments.value(1, "boolean")?.isTruthy ?? false
            return value.isUndefined || (boolean && !value.isTruthy) ? fallback : value
        case "dictsort":
            try arguments.check(name, accepts: ["case_sensitive", "by", "reverse"])
            if case let .dict(dict) = value {
                try evaluator.charge((dict.weight / 8 + dict.count) * (Int.bitWidth - dict.count.leadingZeroBitCount))
            }
            return try dictsort(value, arguments)
        case "first":
            try arguments.check(name, accepts: [])
            if case let .iterator(iterator) = value {
                return iterator.next() ?? .undefined("No first item, sequence was empty.")
            }
            return try value.elements().first ?? .undefined("No first item, sequence was empty.")
        case "last":
            try arguments.check(name, accepts: [])
            if case .iterator = value { throw TemplateFailure.runtime("'\(value.typeName)' object is not reversible") }
            return try value.elements().last ?? .undefined("No last item, sequence was empty.")
        case "float":
            try arguments.check(name, accepts: ["default"])
            return try toFloat(value, default: arguments.value(0, "default") ?? .float(0))
        case "int":
            try arguments.check(name, accepts: ["default", "base"])
            let base = try integer(arguments.value(1, "base"), name, defaultValue: 10)
            return try toInteger(value, default: arguments.value(0, "default") ?? .int(0), base: base)
        case "indent":
            try arguments.check(name, accepts: ["width", "first", "blank"])
            // Jinja's indent appends "\n" to its input directly: only text works.
            guard case let .string(input) = value else {
                if let failure = TemplateOperators.undefinedError(value) { throw failure }
                throw TemplateFailure.runtime("unsupported operand type(s) for +=: '\(value.typeName)' and 'str'")
            }
            return .string(try indent(input, arguments, limit: limits.maximumStringLength))
        case "items":
            try arguments.check(name, accepts: [])
            switch value {
            case .undefined: return .iterator(TemplateIterator([]))
            case let .dict(dict): return .iterator(TemplateIterator(dict.items.map { .tuple([$0.key, $0.value]) }))
            default: throw TemplateFailure.runtime("Can only get item pairs from a mapping.")
            }
        case "join":
            try arguments.check(name, accepts: ["d", "attribute"])
            let separator = try text(arguments.value(0, "d") ?? .emptyString)
            var items = try value.elements()
            if let attribute = arguments.value(1, "attribute"), !attribute.isNone {
                items = try items.map { try lookup($0, path: attribute, default: nil) }
            }
            var builder = TextBuilder(limit: limits.maximumStringLength)
            for (index, item) in items.enumerated() {
                if index > 0 { try builder.append(separator) }
                try builder.append(try text(item))
            }
            return .string(builder.result)
        case "list":
            try arguments.check(name, accepts: [])
            if case .none = value { throw TemplateFailure.runtime("'NoneType' object is not iterable") }
            return .list(try value.elements())
        case "lower":
            try arguments.check(name, accepts: [])
            return .string(PythonText.lower(try text(value)))
        case "upper":
            try arguments.check(name, accepts: [])
            return .string(PythonText.upper(try text(value)))
        case "title":
            try arguments.check(name, accepts: [])
            return .string(title(try text(value)))
        case "trim":
            try arguments.check(name, accepts: ["chars"])
            var set: String?
            switch arguments.value(0, "chars") {
            case nil, .none?: set = nil
            case let .string(chars)?: set = chars
            default: throw TemplateFailure.runtime("strip arg must be None or str")
            }
            return .string(PythonText.strip(try text(value), characters: set))
        case "replace":
            try arguments.check(name, accepts: ["old", "new", "count"])
            guard let old = arguments.value(0, "old"), let new = arguments.value(1, "new") else {
                throw TemplateFailure.runtime("replace() needs the old and the new text")
            }
            let count = try integer(arguments.value(2, "count"), name, defaultValue: -1)
            return .string(try PythonText.replace(try text(value), try text(old), try text(new), count: count,
                                                  maximumLength: limits.maximumStringLength))
        case "string":
            try arguments.check(name, accepts: [])
            return .string(try text(value))
        case "wordcount":
            try arguments.check(name, accepts: [])
            return .int(wordCount(try text(value)))
        case "reverse":
            try arguments.check(name, accepts: [])
            return try reverse(value)
        case "map":
            return try map(value, arguments, evaluator: evaluator)
        case "select", "reject", "selectattr", "rejectattr":
            return try select(value, arguments, keep: name.hasPrefix("select"), byAttribute: name.hasSuffix("attr"), evaluator: evaluator)
        case "sort":
            try arguments.check(name, accepts: ["reverse", "case_sensitive", "attribute"])
            let reverse = arguments.value(0, "reverse")?.isTruthy ?? false
            let caseSensitive = arguments.value(1, "case_sensitive")?.isTruthy ?? false
            let attribute = arguments.value(2, "attribute")
            let items = try value.elements()
            // Python's sort compares about n log n times, each as costly as the items are big.
            try evaluator.charge((value.weight / 8 + items.count) * (Int.bitWidth - items.count.leadingZeroBitCount))
            let keys = try items.map { try sortKey($0, attribute: attribute, caseSensitive: caseSensitive) }
            return .list(try stableSort(items, keys: keys, reverse: reverse))
        case "unique":
            try arguments.check(name, accepts: ["case_sensitive", "attribute"])
            let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
            let attribute = arguments.value(1, "attribute")
            var seen = Set<DictKey>()
            var kept: [TemplateValue] = []
            for item in try value.elements() {
                var key = try lookup(item, path: attribute, default: nil)
                if !caseSensitive { key = ignoringCase(key) }
                if seen.insert(try DictKey(key)).inserted { kept.append(item) }
            }
            return .iterator(TemplateIterator(kept))
        case "min", "max":
            try arguments.check(name, accepts: ["case_sensitive", "attribute"])
            let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
            let attribute = arguments.value(1, "attribute")
            let items = try value.elements()
            guard var best = items.first else { return .undefined("No aggregated item, sequence was empty.") }
            var bestKey = try sortKey(best, attribute: attribute, caseSensitive: caseSensitive, multiple: false)
            for item in items.dropFirst() {
                let key = try sortKey(item, attribute: attribute, caseSensitive: caseSensitive, multiple: false)
                if name == "min" ? try key.less(than: bestKey) : try bestKey.less(than: key) {
                    best = item
                    bestKey = key
                }
            }
            return best
        case "sum":
            try arguments.check(name, accepts: ["attribute", "start"])
            var total = arguments.value(1, "start") ?? .int(0)
            if case .string = total { throw TemplateFailure.runtime("sum() can't sum strings [use ''.join(seq) instead]") }
            let attribute = arguments.value(0, "attribute")
            for item in try value.elements() {
                let addend = try lookup(item, path: attribute.flatMap { $0.isNone ? nil : $0 }, default: nil)
                total = try TemplateOperators.binary(.add, total, addend, limits: limits)
            }
            return total
        case "tojson":
            try arguments.check(name, accepts: ["ensure_ascii", "indent", "separators", "sort_keys"])
            let options = try TemplateJSON.Options(arguments)
            return .string(try TemplateJSON.encode(value, options: options, limit: limits.maximumStringLength))
        default:
            throw TemplateFailure.unsupported("the filter '\(name)'")
        }
    }

    // MARK: - Helpers

    private static func integer(_ value: TemplateValue?, _ filter: String, defaultValue: Int) throws -> Int {
        guard let value, !value.isNone else { return defaultValue }
        guard case let .int(number)? = value.number else {
            throw TemplateFailure.runtime("'\(value.typeName)' object cannot be interpreted as an integer (in |\(filter))")
        }
        return number
    }

    /// Jinja's attribute paths: "a.b.0" looks up a, then b, then item 0 (digit parts are ints).
    static func lookup(_ item: TemplateValue, path: TemplateValue?, default fallback: TemplateValue?) throws -> TemplateValue {
        guard let path, !path.isNone else { return item }
        var parts: [TemplateValue]
        if case let .string(text) = path {
            parts = text.split(separator: ".", omittingEmptySubsequences: false).map { part in
                let piece = String(part)
                if !piece.isEmpty, piece.unicodeScalars.allSatisfy({ $0.properties.numericType == .decimal }),
                   let number = Int(piece) {
                    return .int(number)
                }
                return .string(piece)
            }
        } else {
            parts = [path]
        }
        var current = item
        for part in parts {
            current = try TemplateAccess.item(current, part)
            if let fallback, current.isUndefined { current = fallback }
        }
        return current
    }

    private static func ignoringCase(_ value: TemplateValue) -> TemplateValue {
        if case let .string(text) = value { return .string(PythonText.lower(text)) }
        return value
    }

    /// The sort key of `item`: itself or its attribute(s), lowered unless case-sensitive. Several
    /// comma-separated attributes give a list (compared item by item).
    private static func sortKey(_ item: TemplateValue, attribute: TemplateValue?, caseSensitive: Bool, multiple: Bool = true) throws -> TemplateValue {
        guard let attribute, !attribute.isNone else { return caseSensitive ? item : ignoringCase(item) }
        if multiple, case let .string(text) = attribute {
            let keys = try text.split(separator: ",", omittingEmptySubsequences: false).map { part -> TemplateValue in
                let key = try lookup(item, path: .string(String(part)), default: nil)
                return caseSensitive ? key : ignoringCase(key)
            }
            return .list(keys)
        }
        let key = try lookup(item, path: attribute, default: nil)
        return caseSensitive ? key : ignoringCase(key)
    }

    /// Python's `sorted`: stable, only `<`, `reverse` keeps equal items in their order.
    private static func stableSort(_ items: [TemplateValue], keys: [TemplateValue], reverse: Bool) throws -> [TemplateValue] {
        var order = Array(items.indices)
        try order.sort { a, b in
            if try (reverse ? keys[b].less(than: keys[a]) : keys[a].less(than: keys[b])) { return true }
            if try (reverse ? keys[a].less(than: keys[b]) : keys[b].less(than: keys[a])) { return false }
            return a < b
        }
        return order.map { items[$0] }
    }

    private static func dictsort(_ value: TemplateValue, _ arguments: TemplateArguments) throws -> TemplateValue {
        guard case let .dict(dict) = value else {
            if let failure = TemplateOperators.undefinedError(value) { throw failure }
            throw TemplateFailure.runtime("'\(value.typeName)' object has no attribute 'items' (dictsort needs a dict)")
        }
        let caseSensitive = arguments.value(0, "case_sensitive")?.isTruthy ?? false
        var position = 0
        if let by = arguments.value(1, "by") {
            guard case let .string(text) = by, text == "key" || text == "value" else {
                throw TemplateFailure.runtime("You can only sort by either \"key\" or \"value\"")
            }
            position = text == "key" ? 0 : 1
        }
        let reverse = arguments.value(2, "reverse")?.isTruthy ?? false
        let pairs = dict.items
        let items = pairs.map { TemplateValue.tuple([$0.key, $0.value]) }
        let keys = pairs.map { pair -> TemplateValue in
            let key = position == 0 ? pair.key : pair.value
            return caseSensitive ? key : ignoringCase(key)
        }
        return .list(try stableSort(items, keys: keys, reverse: reverse))
    }

    private static func reverse(_ value: TemplateValue) throws -> TemplateValue {
        switch value {
        case let .string(text): return .string(PythonText.string(text.unicodeScalars.reversed()))
        case let .list(sequence):
            let name: String
            switch sequence.view {
            case nil: name = "list_reverseiterator"
            case .keys?: name = "dict_reversekeyiterator"
            case .values?: name = "dict_reversevalueiterator"
            case .items?: name = "dict_reverseitemiterator"
            }
            return .iterator(TemplateIterator(sequence.items.reversed(), typeName: name))
        case let .tuple(sequence): return .iterator(TemplateIterator(sequence.items.reversed(), typeName: "reversed"))
        case let .dict(dict): return .iterator(TemplateIterator(dict.keys.reversed(), typeName: "dict_reversekeyiterator"))
        case .range: return .iterator(TemplateIterator(try value.elements().reversed(), typeName: "range_iterator"))
        case .undefined: return .iterator(TemplateIterator([], typeName: "reversed"))
        case let .iterator(iterator): return .list(iterator.takeAll().reversed())
        default: throw TemplateFailure.runtime("argument must be iterable")
        }
    }

    /// `|attr(name)`: only a real attribute (a method), never a dict key.
    private static func attributeOnly(_ value: TemplateValue, _ name: String) throws -> TemplateValue {
        switch value {
        case .dict, .string, .list, .tuple:
            let attribute = try TemplateAccess.attribute(value, name)
            if case .function = attribute { return attribute }
            if case .dict = value { return .undefined("'dict object' has no attribute '\(name)'") }
            return attribute
        default:
            return try TemplateAccess.attribute(value, name)
        }
    }

    private static func map(_ value: TemplateValue, _ arguments: TemplateArguments, evaluator: TemplateEvaluator) throws -> TemplateValue {
        guard value.isTruthy else { return .iterator(TemplateIterator([])) }
        let items = try value.elements()
        if arguments.positional.isEmpty, let attribute = arguments.keyword.last(where: { $0.name == "attribute" })?.value {
            for (name, _) in arguments.keyword where name != "attribute" && name != "default" {
                throw TemplateFailure.runtime("Unexpected keyword argument '\(name)'")
            }
            let fallback = arguments.keyword.last(where: { $0.name == "default" })?.value
            return .iterator(TemplateIterator(try items.map { try lookup($0, path: attribute, default: fallback.flatMap { $0.isNone ? nil : $0 }) }))
        }
        guard case let .string(filter)? = arguments.positional.first else {
            throw TemplateFailure.runtime("map requires a filter argument")
        }
        try ensureFilter(filter)
        let rest = TemplateArguments(positional: Array(arguments.positional.dropFirst()), keyword: arguments.keyword)
        return .iterator(TemplateIterator(try items.map { try apply(filter, to: $0, rest, evaluator: evaluator) }))
    }

    private static func ensureFilter(_ name: String) throws {
        if supported.contains(name) { return }
        if unsupported.contains(name) { throw TemplateFailure.unsupported("the filter '\(name)'") }
        throw TemplateFailure.runtime("No filter named '\(name)'.")
    }

    private static func select(_ value: TemplateValue, _ arguments: TemplateArguments, keep: Bool, byAttribute: Bool,
                               evaluator: TemplateEvaluator) throws -> TemplateValue {
        guard value.isTruthy else { return .iterator(TemplateIterator([])) }
        let items = try value.elements()
        var positional = arguments.positional
        var attribute: TemplateValue?
        if byAttribute {
            guard !positional.isEmpty else { throw TemplateFailure.runtime("Missing parameter for attribute name") }
            attribute = positional.removeFirst()
        }
        var test: String?
        if !positional.isEmpty {
            guard case let .string(name) = positional.removeFirst() else { throw TemplateFailure.runtime("a test name must be a string") }
            try TemplatePredicates.ensure(name)
            test = name
        }
        let testArguments = TemplateArguments(positional: positional, keyword: arguments.keyword)
        let kept = try items.filter { item in
            let subject = try lookup(item, path: attribute, default: nil)
            let passed = try test.map { try TemplatePredicates.apply($0, to: subject, testArguments, evaluator: evaluator) } ?? subject.isTruthy
            return passed == keep
        }
        return .iterator(TemplateIterator(kept))
    }

    private static func center(_ text: String, width: Int, limit: Int) throws -> String {
        let length = PythonText.length(text)
        guard width > length else { return text }
        guard width <= limit else { throw TemplateFailure.limit("|center would build a string longer than \(limit) characters") }
        let margin = width - length
        let left = margin / 2 + (margin & width & 1)
        return String(repeating: " ", count: left) + text + String(repeating: " ", count: margin - left)
    }

    private static func indent(_ text: String, _ arguments: TemplateArguments, limit: Int) throws -> String {
        let width = arguments.value(0, "width") ?? .int(4)
        let indentation: String
        if case let .string(custom) = width {
            indentation = custom
        } else {
            let spaces = try integer(width, "indent", defaultValue: 4)
            guard spaces <= limit else { throw TemplateFailure.limit("|indent would build a string longer than \(limit) characters") }
            indentation = String(repeating: " ", count: max(0, spaces))
        }
        let first = arguments.value(1, "first")?.isTruthy ?? false
        let blank = arguments.value(2, "blank")?.isTruthy ?? false
        let lines = PythonText.splitLines(text + "\n")
        var builder = TextBuilder(limit: limit)
        if first { try builder.append(indentation) }
        if blank {
            for (index, line) in lines.enumerated() {
                if index > 0 { try builder.append("\n" + indentation) }
                try builder.append(line)
            }
        } else if let head = lines.first {
            try builder.append(head)
            for line in lines.dropFirst() {
                try builder.append("\n")
                if !line.isEmpty { try builder.append(indentation) }
                try builder.append(line)
            }
        }
        return builder.result
    }

    /// Jinja's `title`: split before runs of whitespace, `-`, `(`, `{`, `[`, `<`; upper-case the
    /// first character of each piece and lower the rest.
    private static func title(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
            PythonText.isSpace(scalar) || "-({[<".unicodeScalars.contains(scalar)
        }
        var pieces: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        while start < scalars.count {
            var end = start + 1
            let separatorRun = isSeparator(scalars[start])
            while end < scalars.count && isSeparator(scalars[end]) == separatorRun { end += 1 }
            pieces.append(scalars[start..<end])
            start = end
        }
        return pieces.map { piece in
            PythonText.upper(PythonText.string(piece.prefix(1))) + PythonText.lower(PythonText.string(piece.dropFirst()))
        }.joined()
    }

    private static func wordCount(_ text: String) -> Int {
        var count = 0, inWord = false
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            let isWord = scalar == "_" || properties.isAlphabetic || properties.numericType != nil
                || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
            if isWord && !inWord { count += 1 }
            inWord = isWord
        }
        return count
    }

    // MARK: - Numbers from text

    /// Jinja's `|int`: `int(value)`, else `int(float(value))`, else the default.
    private static func toInteger(_ value: TemplateValue, default fallback: TemplateValue, base: Int) throws -> TemplateValue {
        if let failure = TemplateOperators.undefinedError(value) { throw failure }
        switch value {
        case let .bool(flag): return .int(flag ? 1 : 0)
        case .int: return value
        case let .float(number):
            guard number.isFinite else {
                if number.isNaN { return fallback }
                throw TemplateFailure.runtime("cannot convert float infinity to integer")
            }
            guard let truncated = Int(exactly: number.rounded(.towardZero)) else {
                throw TemplateFailure.unsupported("an integer beyond 64 bits (from |int)")
            }
            return .int(truncated)
        case let .string(text):
            if let parsed = PythonNumbers.parseInteger(text, base: base) { return .int(parsed) }
            if let number = PythonNumbers.parseFloat(text), number.isFinite, let truncated = Int(exactly: number.rounded(.towardZero)) {
                return .int(truncated)
            }
            return fallback
        default:
            return fallback
        }
    }

    private static func toFloat(_ value: TemplateValue, default fallback: TemplateValue) throws -> TemplateValue {
        if let failure = TemplateOperators.undefinedError(value) { throw failure }
        switch value {
        case let .bool(flag): return .float(flag ? 1 : 0)
        case let .int(number): return .float(Double(number))
        case .float: return value
        case let .string(text): return PythonNumbers.parseFloat(text).map(TemplateValue.float) ?? fallback
        default: return fallback
        }
    }
}
