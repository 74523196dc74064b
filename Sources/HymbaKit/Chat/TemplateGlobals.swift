import Foundation

/// The functions every template can call: Jinja's `range`, `namespace` and `dict`, and the two
/// Hugging Face adds to its chat-template environment, `raise_exception(message)` and
/// `strftime_now(format)`.
enum TemplateGlobals {
    static let names = ["range", "namespace", "dict", "raise_exception", "strftime_now"]

    /// Jinja globals this interpreter does not implement; naming one is an error (treating it
    /// as undefined would quietly change `{% if cycler is defined %}`).
    static let unsupportedNames: Set<String> = ["lipsum", "cycler", "joiner"]

    static func call(_ name: String, _ arguments: TemplateArguments, evaluator: TemplateEvaluator) throws -> TemplateValue {
        switch name {
        case "range": return try range(arguments, limit: evaluator.limits.maximumRange)
        case "namespace":
            let namespace = evaluator.makeNamespace()
            namespace.attributes = try dictionary(arguments, function: "namespace")
            return .namespace(namespace)
        case "dict":
            return .dict(try dictionary(arguments, function: "dict"))
        case "raise_exception":
            let message = try arguments.positional.first?.text(limit: evaluator.limits.maximumStringLength) ?? ""
            throw TemplateFailure(kind: .raised, message: message, location: nil)
        default:
            guard case let .string(format)? = arguments.positional.first, arguments.positional.count == 1, arguments.keyword.isEmpty else {
                throw TemplateFailure.runtime("strftime_now() takes one format string")
            }
            return .string(try strftimeNow(format))
        }
    }

    private static func range(_ arguments: TemplateArguments, limit: Int) throws -> TemplateValue {
        guard arguments.keyword.isEmpty else { throw TemplateFailure.runtime("range() takes no keyword arguments") }
        let numbers = try arguments.positional.map { value -> Int in
            guard case let .int(number)? = value.number else {
                throw TemplateFailure.runtime("'\(value.typeName)' object cannot be interpreted as an integer")
            }
            return number
        }
        let (start, stop, step): (Int, Int, Int)
        switch numbers.count {
        case 1: (start, stop, step) = (0, numbers[0], 1)
        case 2: (start, stop, step) = (numbers[0], numbers[1], 1)
        case 3: (start, stop, step) = (numbers[0], numbers[1], numbers[2])
        default: throw TemplateFailure.runtime("range expected 1 to 3 arguments, got \(numbers.count)")
        }
        guard step != 0 else { throw TemplateFailure.runtime("range() arg 3 must not be zero") }
        guard TemplateValue.rangeCount(start, stop, step) <= limit else {
            throw TemplateFailure.limit("range() of more than \(limit) numbers (Jinja's sandbox refuses them too)")
        }
        return .range(start: start, stop: stop, step: step)
    }

    /// Python's `dict(mapping_or_pairs, **keywords)`.
    static func dictionary(_ arguments: TemplateArguments, function: String) throws -> TemplateDict {
        guard arguments.positional.count <= 1 else {
            throw TemplateFailure.runtime("\(function) expected at most 1 argument, got \(arguments.positional.count)")
        }
        var dict = TemplateDict()
        if let source = arguments.positional.first {
            if case let .dict(existing) = source {
                dict = existing
            } else {
                for (index, pair) in try source.elements().enumerated() {
                    let parts = try pair.elements()
                    guard parts.count == 2 else {
                        throw TemplateFailure.runtime("dictionary update sequence element #\(index) has length \(parts.count); 2 is required")
                    }
                    try dict.set(parts[0], parts[1])
                }
            }
        }
        for (name, value) in arguments.keyword { try dict.set(.string(name), value) }
        return dict
    }

    /// The local time now, formatted by the C library's strftime (which Python's uses too).
    private static func strftimeNow(_ format: String) throws -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 4096)
        let written = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
