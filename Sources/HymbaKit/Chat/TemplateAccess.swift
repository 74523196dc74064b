/// `value.name`, `value[key]` and `value[a:b:c]` with the rules of Jinja's sandbox:
///
/// - `.name` looks for a Python attribute (a method such as `items` or `strip`) first, then for
///   the key; `[key]` the other way round. So `message.content` and `message['content']` agree,
///   and `message.items` is the method even when the dict has an "items" key.
/// - Anything missing is Undefined (prints as nothing), except on Undefined itself, which fails.
/// - Methods that would change a list or dict, and names starting with `_`, are "unsafe" in the
///   immutable sandbox Hugging Face uses: Undefined that fails when called.
/// - A Python method this interpreter does not implement is an error naming it, not Undefined:
///   the template would have called it.
enum TemplateAccess {
    static func attribute(_ value: TemplateValue, _ name: String) throws -> TemplateValue {
        if case let .undefined(hint) = value { throw TemplateFailure.runtime(hint) }
        if name.hasPrefix("_") { return unsafe(value, name) }
        switch value {
        case let .dict(dict):
            if let method = try method(value, name, implemented: TemplateMethods.dictMethods,
                                       mutating: ["pop", "popitem", "setdefault", "update", "clear"],
                                       others: ["copy", "fromkeys"]) {
                return method
            }
            return dict.value(forName: name) ?? missingAttribute(value, name)
        case .string:
            return try method(value, name, implemented: TemplateMethods.stringMethods, mutating: [],
                              others: TemplateMethods.otherStringMethods) ?? missingAttribute(value, name)
        case .list, .tuple:
            let mutating: Set<String> = value.typeName == "list"
                ? ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"] : []
            return try method(value, name, implemented: TemplateMethods.sequenceMethods, mutating: mutating,
                              others: ["copy"]) ?? missingAttribute(value, name)
        case .int, .float, .bool:
            let pythonNames: Set<String> = [
                "real", "imag", "numerator", "denominator", "conjugate", "bit_length", "bit_count", "to_bytes",
                "from_bytes", "as_integer_ratio", "is_integer", "hex", "fromhex", "is_integer",
            ]
            if pythonNames.contains(name) { throw TemplateFailure.unsupported("the number attribute '.\(name)'") }
            return missingAttribute(value, name)
        case let .namespace(namespace):
            return namespace.attributes.value(forName: name) ?? missingAttribute(value, name)
        case let .loop(loop):
            return try loopAttribute(loop, name)
        case let .range(start, stop, step):
            switch name {
            case "start": return .int(start)
            case "stop": return .int(stop)
            case "step": return .int(step)
            case "count", "index": throw TemplateFailure.unsupported("the range method '.\(name)()'")
            default: return missingAttribute(value, name)
            }
        case .function:
            throw TemplateFailure.unsupported("attributes of a function or macro ('.\(name)')")
        case .none, .undefined, .iterator:
            return missingAttribute(value, name)
        }
    }

    /// A bound method, the unsafe Undefined, an unsupported-method error, or nil for "no such
    /// method".
    private static func method(_ value: TemplateValue, _ name: String, implemented: Set<String>,
                               mutating: Set<String>, others: Set<String>) throws -> TemplateValue? {
        if implemented.contains(name) { return .function(.method(receiver: value, name: name)) }
        if mutating.contains(name) { return unsafe(value, name) }
        if others.contains(name) { throw TemplateFailure.unsupported("the \(value.typeName) method '.\(name)()'") }
        return nil
    }

    private static func unsafe(_ value: TemplateValue, _ name: String) -> TemplateValue {
        .undefined("access to attribute '\(name)' of '\(value.typeName)' object is unsafe (Hugging Face renders chat templates in an immutable sandbox)")
    }

    private static func missingAttribute(_ value: TemplateValue, _ name: String) -> TemplateValue {
        .undefined("'\(objectName(value))' has no attribute '\(name)'")
    }

    /// How Jinja names an object in "has no attribute" messages: 'dict object', 'None'.
    static func objectName(_ value: TemplateValue) -> String {
        switch value {
        case .none: return "None"
        default: return "\(value.typeName) object"
        }
    }

    private static func loopAttribute(_ loop: LoopState, _ name: String) throws -> TemplateValue {
        switch name {
        case "index": return .int(loop.index0 + 1)
        case "index0": return .int(loop.index0)
        case "revindex": return .int(loop.length - loop.index0)
        case "revindex0": return .int(loop.length - loop.index0 - 1)
        case "first": return .bool(loop.index0 == 0)
        case "last": return .bool(loop.index0 == loop.length - 1)
        case "length": return .int(loop.length)
        case "depth": return .int(loop.depth0 + 1)
        case "depth0": return .int(loop.depth0)
        case "previtem": return loop.previous ?? .undefined("there is no previous item")
        case "nextitem": return loop.next ?? .undefined("there is no next item")
        case "cycle": return .function(.method(receiver: .loop(loop), name: "cycle"))
        case "changed": throw TemplateFailure.unsupported("loop.changed()")
        default: return .undefined("'LoopContext object' has no attribute '\(name)'")
        }
    }

    static func item(_ value: TemplateValue, _ key: TemplateValue) throws -> TemplateValue {
        if case let .undefined(hint) = value { throw TemplateFailure.runtime(hint) }
        switch value {
        case let .dict(dict):
            if let found = try? dict.value(for: key) { return found }
        case let .list(sequence) where sequence.view != nil:
            return .undefined("'\(value.typeName)' object is not subscriptable")
        case let .list(sequence), let .tuple(sequence):
            if let position = index(key, count: sequence.items.count) { return sequence.items[position] }
        case let .string(text):
            let scalars = text.unicodeScalars
            if let position = index(key, count: scalars.count) {
                return .string(String(scalars[scalars.index(scalars.startIndex, offsetBy: position)]))
            }
        case let .range(start, stop, step):
            if let position = index(key, count: TemplateValue.rangeCount(start, stop, step)) { return .int(start + position * step) }
        default:
            break
        }
        // Not an item: a string key falls back to the attribute (Jinja's getitem does).
        if case let .string(name) = key {
            if case .dict = value, TemplateMethods.dictMethods.contains(name) { return .function(.method(receiver: value, name: name)) }
            if case .dict = value { return .undefined("'dict object' has no attribute '\(name)'") }
            return try attribute(value, name)
        }
        return .undefined("'\(objectName(value))' has no item \(try key.repr(limit: 200))")
    }

    /// A Python index into `count` items (negative counts from the end), or nil when out of range
    /// or not an integer.
    private static func index(_ key: TemplateValue, count: Int) -> Int? {
        guard case let .int(raw)? = key.number else { return nil }
        let position = raw < 0 ? raw + count : raw
        return (0..<count).contains(position) ? position : nil
    }

    static func slice(_ value: TemplateValue, start: TemplateValue?, stop: TemplateValue?, step: TemplateValue?) throws -> TemplateValue {
        if case let .undefined(hint) = value { throw TemplateFailure.runtime(hint) }
        func bound(_ part: TemplateValue?) -> Int?? {
            guard let part, !part.isNone else { return .some(nil) }
            guard case let .int(number)? = part.number else { return nil }
            return .some(number)
        }
        // Jinja compiles slices to Python's own slicing, bypassing its forgiving getitem: every
        // failure here is an error, not Undefined.
        guard let startBound = bound(start), let stopBound = bound(stop), let stepBound = bound(step) else {
            throw TemplateFailure.runtime("slice indices must be integers or None or have an __index__ method")
        }
        let stride = stepBound ?? 1
        guard stride != 0 else { throw TemplateFailure.runtime("slice step cannot be zero") }
        let count: Int
        switch value {
        case let .list(sequence) where sequence.view != nil:
            throw TemplateFailure.runtime("'\(value.typeName)' object is not subscriptable")
        case let .list(sequence), let .tuple(sequence): count = sequence.items.count
        case let .string(text): count = text.unicodeScalars.count
        case let .range(a, b, c): count = TemplateValue.rangeCount(a, b, c)
        case .dict: throw TemplateFailure.runtime("unhashable type: 'slice'")
        default: throw TemplateFailure.runtime("'\(value.typeName)' object is not subscriptable")
        }
        let positions = sliceIndices(count: count, start: startBound, stop: stopBound, step: stride)
        switch value {
        case let .list(sequence): return .list(positions.map { sequence.items[$0] })
        case let .tuple(sequence): return .tuple(positions.map { sequence.items[$0] })
        case let .string(text):
            let scalars = Array(text.unicodeScalars)
            return .string(PythonText.string(positions.map { scalars[$0] }))
        case let .range(a, _, c):
            // A slice of a range is a range in Python.
            let (newStep, stepOverflow) = c.multipliedReportingOverflow(by: stride)
            let (offset, offsetOverflow) = (positions.first ?? 0).multipliedReportingOverflow(by: c)
            let (newStart, startOverflow) = a.addingReportingOverflow(offset)
            let (span, spanOverflow) = positions.count.multipliedReportingOverflow(by: newStep)
            let (newStop, stopOverflow) = newStart.addingReportingOverflow(span)
            guard !(stepOverflow || offsetOverflow || startOverflow || spanOverflow || stopOverflow) else {
                throw TemplateFailure.unsupported("a range slice beyond 64-bit integers")
            }
            return .range(start: newStart, stop: newStop, step: newStep)
        default:
            return value
        }
    }

    /// Python's slice positions over `count` items.
    static func sliceIndices(count: Int, start: Int?, stop: Int?, step: Int) -> [Int] {
        func clamp(_ raw: Int?, defaultValue: Int) -> Int {
            guard let raw else { return defaultValue }
            if raw < 0 {
                let shifted = raw + count
                return shifted < 0 ? (step < 0 ? -1 : 0) : shifted
            }
            return raw >= count ? (step < 0 ? count - 1 : count) : raw
        }
        let first = clamp(start, defaultValue: step < 0 ? count - 1 : 0)
        let end = clamp(stop, defaultValue: step < 0 ? -1 : count)
        var positions: [Int] = []
        var position = first
        while step > 0 ? position < end : position > end {
            positions.append(position)
            let (next, overflowed) = position.addingReportingOverflow(step)
            if overflowed { break }
            position = next
        }
        return positions
    }
}
