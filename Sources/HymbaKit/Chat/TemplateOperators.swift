import Foundation

/// Python's operators on template values: `+ - * / // % **`, unary `-`, comparisons and `in`.
/// Integers are 64-bit (Python's are unbounded), so an overflow is an error, never a wrapped
/// number; a type Python would reject is the same error Python gives.
enum TemplateOperators {
    /// The error for using Undefined where a value is needed, with Jinja's wording.
    static func undefinedError(_ value: TemplateValue) -> TemplateFailure? {
        if case let .undefined(hint) = value { return .runtime(hint) }
        return nil
    }

    private static func overflow(_ symbol: String) -> TemplateFailure {
        .unsupported("an integer result beyond 64 bits (in '\(symbol)')")
    }

    static func binary(_ operation: BinaryOperator, _ left: TemplateValue, _ right: TemplateValue, limits: TemplateLimits) throws -> TemplateValue {
        if let failure = undefinedError(left) ?? undefinedError(right) { throw failure }
        let symbol = operation.rawValue
        if let a = left.number, let b = right.number {
            return try arithmetic(operation, a, b)
        }
        switch (operation, left, right) {
        case let (.add, .string(a), .string(b)):
            try checkLength(PythonText.length(a) + PythonText.length(b), limits)
            return .string(a + b)
        case let (.add, .list(a), .list(b)) where a.view == nil && b.view == nil:
            try checkCount(a.items.count + b.items.count, limits)
            return .list(a.items + b.items)
        case let (.add, .tuple(a), .tuple(b)):
            try checkCount(a.items.count + b.items.count, limits)
            return .tuple(a.items + b.items)
        case (.multiply, _, _):
            if let (sequence, times) = repetition(left, right) { return try repeated(sequence, times, limits) }
        case (.modulo, .string, _):
            throw TemplateFailure.unsupported("printf-style string formatting with '%'")
        default:
            break
        }
        if case .add = operation, case .string = left {
            throw TemplateFailure.runtime("can only concatenate str (not \"\(right.typeName)\") to str")
        }
        if case .add = operation, case .list = left {
            throw TemplateFailure.runtime("can only concatenate list (not \"\(right.typeName)\") to list")
        }
        throw TemplateFailure.runtime("unsupported operand type(s) for \(symbol): '\(left.typeName)' and '\(right.typeName)'")
    }

    private static func repetition(_ left: TemplateValue, _ right: TemplateValue) -> (TemplateValue, Int)? {
        func repeatable(_ value: TemplateValue) -> Bool {
            switch value {
            case .string, .tuple: return true
            case let .list(sequence): return sequence.view == nil
            default: return false
            }
        }
        if repeatable(left), case let .int(times)? = right.number { return (left, times) }
        if repeatable(right), case let .int(times)? = left.number { return (right, times) }
        return nil
    }

    private static func repeated(_ sequence: TemplateValue, _ times: Int, _ limits: TemplateLimits) throws -> TemplateValue {
        let count = max(0, times)
        switch sequence {
        case let .string(text):
            let (total, overflowed) = PythonText.length(text).multipliedReportingOverflow(by: count)
            try checkLength(overflowed ? Int.max : total, limits)
            return .string(String(repeating: text, count: count))
        case let .list(items), let .tuple(items):
            let (total, overflowed) = items.items.count.multipliedReportingOverflow(by: count)
            try checkCount(overflowed ? Int.max : total, limits)
            var result: [TemplateValue] = []
            result.reserveCapacity(total)
            for _ in 0..<count { result.append(contentsOf: items.items) }
            if case .list = sequence { return .list(result) }
            return .tuple(result)
        default:
            return sequence
        }
    }

    static func checkLength(_ length: Int, _ limits: TemplateLimits) throws {
        guard length <= limits.maximumStringLength else {
            throw TemplateFailure.limit("a string would be longer than \(limits.maximumStringLength) characters")
        }
    }

    static func checkCount(_ count: Int, _ limits: TemplateLimits) throws {
        guard count <= limits.maximumCollectionCount else {
            throw TemplateFailure.limit("a list would hold more than \(limits.maximumCollectionCount) items")
        }
    }

    private static func arithmetic(_ operation: BinaryOperator, _ left: TemplateNumber, _ right: TemplateNumber) throws -> TemplateValue {
        let symbol = operation.rawValue
        if case let .int(a) = left, case let .int(b) = right {
            switch operation {
            case .add:
                let (value, overflowed) = a.addingReportingOverflow(b)
                if overflowed { throw overflow(symbol) }
                return .int(value)
            case .subtract:
                let (value, overflowed) = a.subtractingReportingOverflow(b)
                if overflowed { throw overflow(symbol) }
                return .int(value)
            case .multiply:
                let (value, overflowed) = a.multipliedReportingOverflow(by: b)
                if overflowed { throw overflow(symbol) }
                return .int(value)
            case .divide:
                guard b != 0 else { throw TemplateFailure.runtime("division by zero") }
                return .float(Double(a) / Double(b))
            case .floorDivide, .modulo:
                guard b != 0 else { throw TemplateFailure.runtime("integer division or modulo by zero") }
                if a == Int.min && b == -1 { throw overflow(symbol) }
                var quotient = a / b, remainder = a % b
                // Python floors the quotient; the remainder takes the divisor's sign.
                if remainder != 0 && ((remainder < 0) != (b < 0)) {
                    quotient -= 1
                    remainder += b
                }
                return .int(operation == .floorDivide ? quotient : remainder)
            case .power:
                if b < 0 {
                    guard a != 0 else { throw TemplateFailure.runtime("0.0 cannot be raised to a negative power") }
                    return .float(Foundation.pow(Double(a), Double(b)))
                }
                var result = 1, base = a, exponent = b
                while exponent > 0 {
                    if exponent & 1 == 1 {
                        let (value, overflowed) = result.multipliedReportingOverflow(by: base)
                        if overflowed { throw overflow(symbol) }
                        result = value
                    }
                    exponent >>= 1
                    if exponent > 0 {
                        let (value, overflowed) = base.multipliedReportingOverflow(by: base)
                        if overflowed { throw overflow(symbol) }
                        base = value
                    }
                }
                return .int(result)
            }
        }
        let a = left.double, b = right.double
        switch operation {
        case .add: return .float(a + b)
        case .subtract: return .float(a - b)
        case .multiply: return .float(a * b)
        case .divide:
            guard b != 0 else { throw TemplateFailure.runtime("float division by zero") }
            return .float(a / b)
        case .floorDivide, .modulo:
            guard b != 0 else { throw TemplateFailure.runtime(operation == .modulo ? "float modulo" : "float floor division by zero") }
            var remainder = fmod(a, b)
            if remainder != 0 && ((remainder < 0) != (b < 0)) { remainder += b }
            if operation == .modulo { return .float(remainder == 0 ? (b < 0 ? -0.0 : 0.0) : remainder) }
            return .float(((a - remainder) / b).rounded())
        case .power:
            if a == 0 && b < 0 { throw TemplateFailure.runtime("0.0 cannot be raised to a negative power") }
            if a < 0 && b != b.rounded() {
                throw TemplateFailure.unsupported("a complex-number result (a negative number to a fractional power)")
            }
            return .float(Foundation.pow(a, b))
        }
    }

    static func negate(_ value: TemplateValue) throws -> TemplateValue {
        if let failure = undefinedError(value) { throw failure }
        switch value.number {
        case let .int(number)?:
            guard number != Int.min else { throw overflow("-") }
            return .int(-number)
        case let .float(number)?: return .float(-number)
        case nil: throw TemplateFailure.runtime("bad operand type for unary -: '\(value.typeName)'")
        }
    }

    static func positive(_ value: TemplateValue) throws -> TemplateValue {
        if let failure = undefinedError(value) { throw failure }
        guard let number = value.number else { throw TemplateFailure.runtime("bad operand type for unary +: '\(value.typeName)'") }
        return number.value
    }

    static func compare(_ operation: ComparisonOperator, _ left: TemplateValue, _ right: TemplateValue) throws -> Bool {
        switch operation {
        case .equal: return try left.equals(right)
        case .notEqual: return !(try left.equals(right))
        case .less: return try ordered(left, right)
        case .lessOrEqual: return try ordered(left, right) || left.equals(right)
        case .greater: return try ordered(right, left)
        case .greaterOrEqual: return try ordered(right, left) || left.equals(right)
        case .contains: return try contains(right, left)
        case .notContains: return !(try contains(right, left))
        }
    }

    private static func ordered(_ left: TemplateValue, _ right: TemplateValue) throws -> Bool {
        if let failure = undefinedError(left) ?? undefinedError(right) { throw failure }
        return try left.less(than: right)
    }

    /// Python's `needle in container`.
    static func contains(_ container: TemplateValue, _ needle: TemplateValue) throws -> Bool {
        switch container {
        case .undefined: return false
        case let .string(text):
            guard case let .string(part) = needle else {
                if let failure = undefinedError(needle) { throw failure }
                throw TemplateFailure.runtime("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return PythonText.contains(text, part)
        case let .list(sequence), let .tuple(sequence):
            for item in sequence.items where try item.equals(needle) { return true }
            return false
        case let .dict(dict):
            return try dict.value(for: needle) != nil
        case .range:
            for item in try container.elements() where try item.equals(needle) { return true }
            return false
        case let .iterator(iterator):
            // Like Python, consumes the iterator up to the match.
            while let item = iterator.next() {
                if try item.equals(needle) { return true }
            }
            return false
        default:
            throw TemplateFailure.runtime("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
