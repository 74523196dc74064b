/// A line and column in a template's source (both from 1; columns count Unicode scalars, as
/// Python counts characters).
struct SourceLocation: Equatable, Sendable {
    let line: Int
    let column: Int
}

/// The interpreter's internal error. Helpers deep in the value code throw it without a location;
/// the evaluator stamps the location of the expression or tag being evaluated on its way out, so
/// the public `ChatError` always says where.
struct TemplateFailure: Error {
    enum Kind {
        case syntax
        case unsupported
        case runtime
        case raised
        case limit
    }

    let kind: Kind
    let message: String
    var location: SourceLocation?

    static func runtime(_ message: String) -> TemplateFailure {
        TemplateFailure(kind: .runtime, message: message, location: nil)
    }

    static func unsupported(_ construct: String) -> TemplateFailure {
        TemplateFailure(kind: .unsupported, message: construct, location: nil)
    }

    static func syntax(_ message: String, at location: SourceLocation) -> TemplateFailure {
        TemplateFailure(kind: .syntax, message: message, location: location)
    }

    static func limit(_ message: String) -> TemplateFailure {
        TemplateFailure(kind: .limit, message: message, location: nil)
    }

    /// The same failure, placed at `location` unless it already has a place.
    func located(at location: SourceLocation) -> TemplateFailure {
        var copy = self
        if copy.location == nil { copy.location = location }
        return copy
    }

    var chatError: ChatError {
        let line = location?.line ?? 1, column = location?.column ?? 1
        switch kind {
        case .syntax: return .templateSyntax(line: line, column: column, message: message)
        case .unsupported: return .unsupportedConstruct(line: line, column: column, construct: message)
        case .runtime: return .templateRuntime(line: line, column: column, message: message)
        case .raised: return .raisedByTemplate(line: line, column: column, message: message)
        case .limit: return .limitExceeded(line: line, column: column, limit: message)
        }
    }
}

/// Runs `body`, placing any location-less `TemplateFailure` it throws at `location`.
@inline(__always)
func at<T>(_ location: SourceLocation, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let failure as TemplateFailure {
        throw failure.located(at: location)
    }
}
