/// The syntax tree of a template: statements (text, `{{ }}` output, tags) holding expressions.
/// Every node knows where it came from, so a failure while rendering can name the line.

struct Expression {
    let kind: ExpressionKind
    let location: SourceLocation
    /// Height of the tree below this node (a leaf is 1), bounded by `TemplateLimits.maximumNesting`
    /// so that evaluating — and freeing — a tree never recurses too deep.
    let depth: Int

    init(_ kind: ExpressionKind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
        self.depth = 1 + kind.children.map(\.depth).reduce(0, max)
    }
}

indirect enum ExpressionKind {
    case literal(TemplateValue)
    case name(String)
    case list([Expression])
    case tuple([Expression])
    case dict([(key: Expression, value: Expression)])
    /// `value.name`
    case attribute(Expression, String)
    /// `value[index]`
    case item(Expression, Expression)
    /// `value[start:stop:step]`, any part optional.
    case slice(Expression, start: Expression?, stop: Expression?, step: Expression?)
    case call(Expression, CallArguments)
    /// `value | name(arguments)`
    case filter(Expression, name: String, CallArguments)
    /// `value is [not] name(arguments)`
    case test(Expression, name: String, CallArguments, negated: Bool)
    case not(Expression)
    case negate(Expression)
    case positive(Expression)
    case binary(BinaryOperator, Expression, Expression)
    /// `a ~ b ~ c`: the operands' text joined.
    case concat([Expression])
    case and(Expression, Expression)
    case or(Expression, Expression)
    /// `a < b <= c`: Python's chained comparison.
    case compare(Expression, [(ComparisonOperator, Expression)])
    /// `then if test else otherwise` (no else: Undefined).
    case conditional(test: Expression, then: Expression, otherwise: Expression?)

    var children: [Expression] {
        switch self {
        case .literal, .name: return []
        case let .list(items), let .tuple(items), let .concat(items): return items
        case let .dict(pairs): return pairs.flatMap { [$0.key, $0.value] }
        case let .attribute(value, _), let .not(value), let .negate(value), let .positive(value): return [value]
        case let .item(value, index): return [value, index]
        case let .slice(value, start, stop, step): return [value] + [start, stop, step].compactMap { $0 }
        case let .call(callee, arguments): return [callee] + arguments.all
        case let .filter(value, _, arguments), let .test(value, _, arguments, _): return [value] + arguments.all
        case let .binary(_, left, right), let .and(left, right), let .or(left, right): return [left, right]
        case let .compare(first, rest): return [first] + rest.map(\.1)
        case let .conditional(test, then, otherwise): return [test, then] + (otherwise.map { [$0] } ?? [])
        }
    }
}

struct CallArguments {
    var positional: [Expression] = []
    var keyword: [(name: String, value: Expression)] = []

    var all: [Expression] { positional + keyword.map(\.value) }
    var isEmpty: Bool { positional.isEmpty && keyword.isEmpty }
}

enum BinaryOperator: String {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
}

enum ComparisonOperator: String {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains = "in", notContains = "not in"
}

struct Statement {
    let kind: StatementKind
    let location: SourceLocation
}

indirect enum StatementKind {
    case text(String)
    case output(Expression)
    /// `{% if %}` with its `{% elif %}` branches in order, then `{% else %}`.
    case conditional(branches: [(test: Expression, body: [Statement])], otherwise: [Statement])
    case loop(ForLoop)
    case assign(AssignmentTarget, Expression)
    /// `{% set name %}…{% endset %}`: the body's text.
    case assignBlock(AssignmentTarget, body: [Statement])
    case macro(MacroDefinition)
    case breakLoop
    case continueLoop
    /// A block with its own scope: Hugging Face's `{% generation %}` (it only marks assistant
    /// text for a token mask and renders its body unchanged).
    case scoped([Statement])
}

/// The left side of `{% set %}` or a for loop's variables.
enum AssignmentTarget {
    case name(String)
    /// `a, b` — the value is unpacked.
    case names([String])
    /// `ns.attribute` — only on a namespace.
    case namespaceAttribute(String, String)
}

struct ForLoop {
    let target: AssignmentTarget
    let iterable: Expression
    /// `{% for x in xs if condition %}`: items failing it are skipped before `loop` counts.
    let condition: Expression?
    let body: [Statement]
    /// `{% else %}`: rendered when no item was visited.
    let otherwise: [Statement]
}

final class MacroDefinition {
    let name: String
    let parameters: [(name: String, defaultValue: Expression?)]
    let body: [Statement]

    init(name: String, parameters: [(name: String, defaultValue: Expression?)], body: [Statement]) {
        self.name = name
        self.parameters = parameters
        self.body = body
    }
}
