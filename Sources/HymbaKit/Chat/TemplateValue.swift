/// A value inside a running template: the Python objects a Hugging Face chat template sees
/// (the chat file's JSON becomes dicts, lists, strings, ints, floats, True/False/None), plus
/// what Jinja adds (Undefined, namespaces, the loop object, macros, functions).
///
/// Every operation follows Python's semantics, because the template was written against
/// Python: `1 == 1.0 == True`, strings compare by code point, `str(None)` is "None", a missing
/// key is Undefined (prints as nothing, is false, but fails when used as an object).
enum TemplateValue {
    /// Jinja's default `Undefined`; the text says what was missing, for the error when it is used.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list(TemplateSequence)
    case tuple(TemplateSequence)
    case dict(TemplateDict)
    /// `range(start, stop, step)`, kept lazy and printed as Python prints it.
    case range(start: Int, stop: Int, step: Int)
    case namespace(TemplateNamespace)
    indirect case loop(LoopState)
    case function(TemplateFunction)
    /// A one-pass iterator, which is what Jinja's map/select/reject/selectattr/rejectattr/
    /// unique/items filters and `reverse` return: always true, no length, used up by one loop.
    case iterator(TemplateIterator)

    static let emptyString = TemplateValue.string("")

    static func list(_ items: [TemplateValue]) -> TemplateValue { .list(TemplateSequence(items)) }
    static func tuple(_ items: [TemplateValue]) -> TemplateValue { .tuple(TemplateSequence(items)) }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// Lists and dicts nested inside each other, counted so that no operation has to walk a
    /// value to learn it (see `TemplateLimits.maximumValueDepth`).
    var depth: Int {
        switch self {
        case let .list(sequence), let .tuple(sequence): return sequence.depth
        case let .dict(dict): return dict.depth
        default: return 0
        }
    }

    /// How much there is to walk in the value: a string's UTF-8 bytes, a collection's items
    /// plus their own weight (saturating). Cached in collections, so it costs nothing to ask;
    /// the evaluator charges work by it, which keeps `[long_text] * 100000` from looking cheap.
    var weight: Int {
        switch self {
        case let .string(text): return text.utf8.count
        case let .list(sequence), let .tuple(sequence): return sequence.weight
        case let .dict(dict): return dict.weight
        case let .range(start, stop, step): return TemplateValue.rangeCount(start, stop, step)
        case let .iterator(iterator): return iterator.weight
        default: return 1
        }
    }

    /// `a + b` for weights, stopping at Int.max.
    static func addWeights(_ a: Int, _ b: Int) -> Int {
        let (sum, overflowed) = a.addingReportingOverflow(b)
        return overflowed ? Int.max : sum
    }

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case let .list(sequence): return sequence.view?.rawValue ?? "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .range: return "range"
        case .namespace: return "Namespace"
        case .loop: return "LoopContext"
        case let .function(function): return function.typeName
        case let .iterator(iterator): return iterator.typeName
        }
    }

    // MARK: - Truth, length, iteration

    /// Python's `bool(value)`.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(flag): return flag
        case let .int(number): return number != 0
        case let .float(number): return number != 0
        case let .string(text): return !text.isEmpty
        case let .list(sequence), let .tuple(sequence): return !sequence.items.isEmpty
        case let .dict(dict): return dict.count > 0
        case let .range(start, stop, step): return TemplateValue.rangeCount(start, stop, step) > 0
        case .namespace, .loop, .function, .iterator: return true
        }
    }

    /// How many numbers `range(start, stop, step)` holds (`step` is never 0), without overflow.
    static func rangeCount(_ start: Int, _ stop: Int, _ step: Int) -> Int {
        let forward = step > 0
        guard forward ? start < stop : start > stop else { return 0 }
        let distance = forward ? stop.subtractingReportingOverflow(start) : start.subtractingReportingOverflow(stop)
        if distance.overflow { return Int.max }
        let count = (distance.partialValue - 1).magnitude / step.magnitude + 1
        return count > UInt(Int.max) ? Int.max : Int(count)
    }

    /// Python's `len(value)`.
    func length() throws -> Int {
        switch self {
        case .undefined: return 0
        case let .string(text): return PythonText.length(text)
        case let .list(sequence), let .tuple(sequence): return sequence.items.count
        case let .dict(dict): return dict.count
        case let .range(start, stop, step): return TemplateValue.rangeCount(start, stop, step)
        default: throw TemplateFailure.runtime("object of type '\(typeName)' has no len()")
        }
    }

    /// What `for x in value` visits: a list's items, a dict's keys, a string's characters;
    /// nothing for Undefined.
    func elements() throws -> [TemplateValue] {
        switch self {
        case .undefined: return []
        case let .list(sequence), let .tuple(sequence): return sequence.items
        case let .dict(dict): return dict.keys
        case let .string(text): return text.unicodeScalars.map { .string(String($0)) }
        case let .range(start, stop, step):
            return (0..<TemplateValue.rangeCount(start, stop, step)).map { .int(start + $0 * step) }
        case let .iterator(iterator): return iterator.takeAll()
        default: throw TemplateFailure.runtime("'\(typeName)' object is not iterable")
        }
    }

    // MARK: - Numbers

    /// The value as a Python number (bool counts as int), or nil.
    var number: TemplateNumber? {
        switch self {
        case let .bool(flag): return .int(flag ? 1 : 0)
        case let .int(value): return .int(value)
        case let .float(value): return .float(value)
        default: return nil
        }
    }

    // MARK: - Equality and order

    /// Python's `==`.
    func equals(_ other: TemplateValue, depth: Int = 0) throws -> Bool {
        guard depth < TemplateValue.comparisonDepthLimit else {
            throw TemplateFailure.limit("values nested too deeply to compare")
        }
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(left), .string(right)): return PythonText.equal(left, right)
        case let (.list(left), .list(right)) where left.view != nil || right.view != nil:
            // Views: keys and items compare as sets with their own kind; values never do.
            guard left.view == right.view, left.view != .values, left.items.count == right.items.count else { return false }
            for a in left.items where !(try right.items.contains { try a.equals($0, depth: depth + 1) }) { return false }
            return true
        case let (.list(left), .list(right)), let (.tuple(left), .tuple(right)):
            guard left.items.count == right.items.count else { return false }
            for (a, b) in zip(left.items, right.items) where !(try a.equals(b, depth: depth + 1)) { return false }
            return true
        case let (.dict(left), .dict(right)):
            guard left.count == right.count else { return false }
            for (key, value) in zip(left.keys, left.values) {
                guard let match = try right.value(for: key), try value.equals(match, depth: depth + 1) else { return false }
            }
            return true
        case (.range, .range):
            return try TemplateValue.list(elements()).equals(.list(other.elements()), depth: depth)
        case let (.namespace(left), .namespace(right)): return left === right
        case let (.function(left), .function(right)): return left.isSame(as: right)
        case let (.iterator(left), .iterator(right)): return left === right
        default:
            if let left = number, let right = other.number { return left == right }
            return false
        }
    }

    /// Python's `<` (the other orders derive from it and `==`).
    func less(than other: TemplateValue, depth: Int = 0) throws -> Bool {
        guard depth < TemplateValue.comparisonDepthLimit else {
            throw TemplateFailure.limit("values nested too deeply to compare")
        }
        switch (self, other) {
        case let (.string(left), .string(right)): return PythonText.less(left, right)
        case let (.list(left), .list(right)) where left.view == nil && right.view == nil,
             let (.tuple(left), .tuple(right)):
            for (a, b) in zip(left.items, right.items) where !(try a.equals(b, depth: depth + 1)) {
                return try a.less(than: b, depth: depth + 1)
            }
            return left.items.count < right.items.count
        default:
            if let left = number, let right = other.number { return left < right }
            throw TemplateFailure.runtime("'<' not supported between instances of '\(typeName)' and '\(other.typeName)'")
        }
    }

    static let comparisonDepthLimit = 1000

    // MARK: - Text

    /// Python's `str(value)`, as `{{ value }}` prints it. Undefined prints as nothing.
    func text(limit: Int) throws -> String {
        switch self {
        case .undefined: return ""
        case let .string(text): return text
        default:
            var builder = TextBuilder(limit: limit)
            try builder.appendRepr(self, depth: 0)
            return builder.result
        }
    }

    /// Python's `repr(value)`.
    func repr(limit: Int) throws -> String {
        var builder = TextBuilder(limit: limit)
        try builder.appendRepr(self, depth: 0)
        return builder.result
    }
}

/// A list's or tuple's items with their nesting depth worked out once.
struct TemplateSequence {
    let items: [TemplateValue]
    let depth: Int
    /// Set when the list is what `dict.keys()`, `.values()` or `.items()` returned: Python's
    /// views print, compare and index differently from lists (`dict_items([('a', 1)])`).
    let view: DictView?

    /// The items' weights and one per item (see `TemplateValue.weight`).
    let weight: Int

    init(_ items: [TemplateValue], view: DictView? = nil) {
        self.items = items
        var depth = 0, weight = items.count
        for item in items {
            depth = max(depth, item.depth)
            weight = TemplateValue.addWeights(weight, item.weight)
        }
        self.depth = 1 + depth
        self.weight = weight
        self.view = view
    }
}

enum DictView: String {
    case keys = "dict_keys", values = "dict_values", items = "dict_items"
}

/// A Python number: bool arithmetic is int arithmetic.
enum TemplateNumber: Equatable {
    case int(Int)
    case float(Double)

    var double: Double {
        switch self {
        case let .int(value): return Double(value)
        case let .float(value): return value
        }
    }

    static func == (left: TemplateNumber, right: TemplateNumber) -> Bool {
        if case let .int(a) = left, case let .int(b) = right { return a == b }
        return left.double == right.double
    }

    static func < (left: TemplateNumber, right: TemplateNumber) -> Bool {
        if case let .int(a) = left, case let .int(b) = right { return a < b }
        return left.double < right.double
    }

    var value: TemplateValue {
        switch self {
        case let .int(number): return .int(number)
        case let .float(number): return .float(number)
        }
    }
}
