/// Jinja's tests (`value is name`, `value is not name(argument)`), also reachable by name from
/// `select`, `reject`, `selectattr` and `rejectattr` (`selectattr('role', 'equalto', 'user')`).
///
/// They keep Python's type facts: a bool is a number but not an `integer`; Undefined is
/// `iterable` and a `sequence` (it has a length, 0); a dict view is iterable but no sequence.
enum TemplatePredicates {
    static let supported: Set<String> = [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number",
        "string", "mapping", "sequence", "iterable", "callable", "odd", "even", "divisibleby",
        "lower", "upper", "in", "sameas",
        "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=",
    ]

    /// Jinja's other tests: known, not implemented.
    static let unsupported: Set<String> = ["escaped", "filter", "test"]

    static func checkSupported(_ name: String, at location: SourceLocation) throws {
        if supported.contains(name) { return }
        if unsupported.contains(name) {
            throw TemplateFailure(kind: .unsupported, message: "the test '\(name)'", location: location)
        }
        throw TemplateFailure.syntax("no test named '\(name)'", at: location)
    }

    /// For test names that arrive as strings at run time.
    static func ensure(_ name: String) throws {
        if supported.contains(name) { return }
        if unsupported.contains(name) { throw TemplateFailure.unsupported("the test '\(name)'") }
        throw TemplateFailure.runtime("No test named '\(name)'.")
    }

    static func apply(_ name: String, to value: TemplateValue, _ arguments: TemplateArguments,
                      evaluator: TemplateEvaluator) throws -> Bool {
        try evaluator.charge()
        let argumentCount: Int
        switch name {
        case "divisibleby", "in", "sameas", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<",
             "le", "<=", "gt", "greaterthan", ">", "ge", ">=":
            argumentCount = 1
        default:
            argumentCount = 0
        }
        guard arguments.keyword.isEmpty, arguments.positional.count == argumentCount else {
            throw TemplateFailure.runtime("the test '\(name)' takes \(argumentCount) argument(s)")
        }
        let other = arguments.positional.first ?? .none
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean":
            if case .bool = value { return true }
            return false
        case "true", "false":
            if case let .bool(flag) = value { return flag == (name == "true") }
            return false
        case "integer":
            if case .int = value { return true }
            return false
        case "float":
            if case .float = value { return true }
            return false
        case "number": return value.number != nil
        case "string":
            if case .string = value { return true }
            return false
        case "mapping":
            if case .dict = value { return true }
            return false
        case "sequence":
            switch value {
            case .undefined, .string, .tuple, .dict, .range: return true
            case let .list(sequence): return sequence.view == nil
            default: return false
            }
        case "iterable":
            switch value {
            case .undefined, .string, .list, .tuple, .dict, .range, .iterator, .loop: return true
            default: return false
            }
        case "callable":
            switch value {
            case .function, .undefined, .loop: return true
            default: return false
            }
        case "odd", "even", "divisibleby":
            let divisor = name == "divisibleby" ? other : .int(2)
            let remainder = try TemplateOperators.binary(.modulo, value, divisor, limits: evaluator.limits)
            let expected: TemplateValue = name == "odd" ? .int(1) : .int(0)
            return try remainder.equals(expected)
        case "lower": return PythonText.isLower(try value.text(limit: evaluator.limits.maximumStringLength))
        case "upper": return PythonText.isUpper(try value.text(limit: evaluator.limits.maximumStringLength))
        case "in": return try TemplateOperators.contains(other, value)
        case "sameas":
            switch (value, other) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case (.none, _), (.bool, _), (_, .none), (_, .bool): return false
            default: throw TemplateFailure.unsupported("'sameas' on anything but none, true and false (Python's object identity)")
            }
        case "eq", "equalto", "==": return try TemplateOperators.compare(.equal, value, other)
        case "ne", "!=": return try TemplateOperators.compare(.notEqual, value, other)
        case "lt", "lessthan", "<": return try TemplateOperators.compare(.less, value, other)
        case "le", "<=": return try TemplateOperators.compare(.lessOrEqual, value, other)
        case "gt", "greaterthan", ">": return try TemplateOperators.compare(.greater, value, other)
        case "ge", ">=": return try TemplateOperators.compare(.greaterOrEqual, value, other)
        default: throw TemplateFailure.unsupported("the test '\(name)'")
        }
    }
}
