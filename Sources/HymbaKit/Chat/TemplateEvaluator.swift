/// Runs a parsed template: executes its statements top to bottom into the output text,
/// evaluating expressions with Python's semantics (see `TemplateValue`), within `TemplateLimits`.
///
/// One evaluator serves one render and is then thrown away; it counts the work done, the
/// evaluation depth, and keeps the namespaces and macro scopes it created so that their
/// reference cycles are broken when the render ends.
final class TemplateEvaluator {
    let limits: TemplateLimits
    private var steps = 0
    private var depth = 0
    private var namespaces: [TemplateNamespace] = []
    private var macroScopes: [TemplateScope] = []

    init(limits: TemplateLimits) {
        self.limits = limits
    }

    /// What a statement list did besides writing text.
    private enum Flow {
        case normal
        case breakLoop
        case continueLoop
    }

    /// Renders `template` with `context` (messages, tools, add_generation_prompt, ...).
    func render(_ template: [Statement], context: [String: TemplateValue]) throws -> String {
        let globals = TemplateScope(parent: nil)
        for name in TemplateGlobals.names { globals.set(name, .function(.global(name))) }
        for (name, value) in context { globals.set(name, value) }
        let topLevel = TemplateScope(parent: globals)
        defer {
            // Namespaces can hold themselves and macros hold their scope: break the cycles.
            for namespace in namespaces { namespace.attributes = TemplateDict() }
            for scope in macroScopes { scope.clear() }
            topLevel.clear()
        }
        var output = OutputBuffer(limit: limits.maximumStringLength)
        _ = try execute(template, in: topLevel, into: &output)
        return output.text
    }

    // MARK: - Budget

    /// Charges `units` of work; too much in one render is an error, never a hang.
    func charge(_ units: Int = 1) throws {
        steps += units
        guard steps <= limits.maximumSteps else {
            throw TemplateFailure.limit("the render took more than \(limits.maximumSteps) steps")
        }
    }

    /// Charges for a value built or walked whole: strings by length, lists and dicts by size —
    /// so that a loop appending to a growing string, or testing membership in a long list, pays
    /// for the copying and scanning it causes rather than one step per iteration.
    func chargeSize(_ value: TemplateValue) throws {
        switch value {
        case .string, .list, .tuple, .dict, .iterator, .range: try charge(value.weight / 8)
        default: break
        }
    }

    private func chargeSizes(_ arguments: TemplateArguments) throws {
        for value in arguments.positional { try chargeSize(value) }
        for (_, value) in arguments.keyword { try chargeSize(value) }
    }

    private func descend(_ location: SourceLocation) throws {
        depth += 1
        guard depth <= limits.maximumEvaluationDepth else {
            throw TemplateFailure(kind: .limit,
                                  message: "evaluation nested deeper than \(limits.maximumEvaluationDepth) levels (runaway macro recursion?)",
                                  location: location)
        }
    }

    /// Refuses a value nested deeper, or a collection larger, than the limits, whatever built it.
    private func checked(_ value: TemplateValue, at location: SourceLocation) throws -> TemplateValue {
        if value.depth > limits.maximumValueDepth {
            throw TemplateFailure(kind: .limit, message: "a value nests deeper than \(limits.maximumValueDepth) levels", location: location)
        }
        let count: Int
        switch value {
        case let .list(sequence), let .tuple(sequence): count = sequence.items.count
        case let .dict(dict): count = dict.count
        default: count = 0
        }
        if count > limits.maximumCollectionCount {
            throw TemplateFailure(kind: .limit, message: "a list would hold more than \(limits.maximumCollectionCount) items", location: location)
        }
        return value
    }

    func makeNamespace() -> TemplateNamespace {
        let namespace = TemplateNamespace()
        namespaces.append(namespace)
        return namespace
    }

    // MARK: - Statements

    private func execute(_ statements: [Statement], in scope: TemplateScope, into output: inout OutputBuffer) throws -> Flow {
        for statement in statements {
            let flow = try execute(statement, in: scope, into: &output)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    private func execute(_ statement: Statement, in scope: TemplateScope, into output: inout OutputBuffer) throws -> Flow {
        try charge()
        try descend(statement.location)
        defer { depth -= 1 }
        switch statement.kind {
        case let .text(text):
            try at(statement.location) { try output.append(text) }
        case let .output(expression):
            let value = try evaluate(expression, in: scope)
            try at(expression.location) { try output.append(try value.text(limit: limits.maximumStringLength)) }
        case let .conditional(branches, otherwise):
            for branch in branches where try evaluate(branch.test, in: scope).isTruthy {
                return try execute(branch.body, in: scope, into: &output)
            }
            return try execute(otherwise, in: scope, into: &output)
        case let .loop(loop):
            try runLoop(loop, in: scope, into: &output, at: statement.location)
        case let .assign(target, expression):
            let value = try evaluate(expression, in: scope)
            try at(statement.location) { try assign(value, to: target, in: scope) }
        case let .assignBlock(target, body):
            var captured = OutputBuffer(limit: limits.maximumStringLength)
            _ = try execute(body, in: TemplateScope(parent: scope), into: &captured)
            try at(statement.location) { try assign(.string(captured.text), to: target, in: scope) }
        case let .macro(definition):
            macroScopes.append(scope)
            scope.set(definition.name, .function(.macro(TemplateMacro(definition: definition, scope: scope))))
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case let .scoped(body):
            _ = try execute(body, in: TemplateScope(parent: scope), into: &output)
        }
        return .normal
    }

    private func runLoop(_ loop: ForLoop, in scope: TemplateScope, into output: inout OutputBuffer, at location: SourceLocation) throws {
        let iterable = try evaluate(loop.iterable, in: scope)
        var items = try at(loop.iterable.location) { () throws -> [TemplateValue] in
            if case .none = iterable { throw TemplateFailure.runtime("'NoneType' object is not iterable") }
            // Paid before the items are made: a long string would become millions of them.
            if case .iterator = iterable {} else { try charge(try iterable.length()) }
            let items = try iterable.elements()
            if case .iterator = iterable { try charge(items.count) }
            return items
        }
        if let condition = loop.condition {
            // The filter runs first, so loop.index and loop.length count only the kept items.
            items = try items.filter { item in
                let iteration = TemplateScope(parent: scope)
                try at(location) { try assign(item, to: loop.target, in: iteration) }
                return try evaluate(condition, in: iteration).isTruthy
            }
        }
        if items.isEmpty {
            _ = try execute(loop.otherwise, in: scope, into: &output)
            return
        }
        for (index, item) in items.enumerated() {
            let iteration = TemplateScope(parent: scope)
            try at(location) { try assign(item, to: loop.target, in: iteration) }
            iteration.set("loop", .loop(LoopState(index0: index, length: items.count,
                                                 previous: index > 0 ? items[index - 1] : nil,
                                                 next: index + 1 < items.count ? items[index + 1] : nil,
                                                 depth0: 0)))
            if case .breakLoop = try execute(loop.body, in: iteration, into: &output) { break }
        }
    }

    private func assign(_ value: TemplateValue, to target: AssignmentTarget, in scope: TemplateScope) throws {
        switch target {
        case let .name(name):
            scope.set(name, value)
        case let .names(names):
            let parts = try value.elements()
            guard parts.count == names.count else {
                throw TemplateFailure.runtime(parts.count < names.count
                    ? "not enough values to unpack (expected \(names.count), got \(parts.count))"
                    : "too many values to unpack (expected \(names.count))")
            }
            for (name, part) in zip(names, parts) { scope.set(name, part) }
        case let .namespaceAttribute(name, attribute):
            guard case let .namespace(namespace)? = scope.lookup(name) else {
                throw TemplateFailure.runtime("cannot assign attribute on non-namespace object '\(name)'")
            }
            try namespace.attributes.set(.string(attribute), value)
        }
    }

    // MARK: - Expressions

    func evaluate(_ expression: Expression, in scope: TemplateScope) throws -> TemplateValue {
        try charge()
        try descend(expression.location)
        defer { depth -= 1 }
        let location = expression.location
        switch expression.kind {
        case let .literal(value):
            return value
        case let .name(name):
            if let value = scope.lookup(name) { return value }
            if TemplateGlobals.unsupportedNames.contains(name) {
                throw TemplateFailure(kind: .unsupported, message: "the global '\(name)'", location: location)
            }
            return .undefined("'\(name)' is undefined")
        case let .list(items):
            let values = try items.map { try evaluate($0, in: scope) }
            return try checked(.list(values), at: location)
        case let .tuple(items):
            let values = try items.map { try evaluate($0, in: scope) }
            return try checked(.tuple(values), at: location)
        case let .dict(pairs):
            var dict = TemplateDict()
            for pair in pairs {
                let key = try evaluate(pair.key, in: scope)
                let value = try evaluate(pair.value, in: scope)
                try at(pair.key.location) {
                    try chargeSize(key)
                    try dict.set(key, value)
                }
            }
            return try checked(.dict(dict), at: location)
        case let .attribute(base, name):
            let value = try evaluate(base, in: scope)
            return try at(location) { try TemplateAccess.attribute(value, name) }
        case let .item(base, index):
            let value = try evaluate(base, in: scope)
            let key = try evaluate(index, in: scope)
            return try at(location) { () throws -> TemplateValue in
                // Indexing text walks it (characters are not fixed-width); lists index directly.
                if case .string = value { try chargeSize(value) }
                try chargeSize(key)
                return try TemplateAccess.item(value, key)
            }
        case let .slice(base, start, stop, step):
            let value = try evaluate(base, in: scope)
            let bounds = try [start, stop, step].map { try $0.map { try evaluate($0, in: scope) } }
            return try at(location) { () throws -> TemplateValue in
                if case .string = value { try chargeSize(value) }
                let result = try TemplateAccess.slice(value, start: bounds[0], stop: bounds[1], step: bounds[2])
                try chargeSize(result)
                return result
            }
        case let .call(callee, arguments):
            let function = try evaluate(callee, in: scope)
            let values = try evaluateArguments(arguments, in: scope)
            try at(location) { try chargeSizes(values) }
            let result = try checked(try at(location) { try call(function, values, at: location) }, at: location)
            try at(location) { try chargeSize(result) }
            return result
        case let .filter(base, name, arguments):
            let value = try evaluate(base, in: scope)
            let values = try evaluateArguments(arguments, in: scope)
            try at(location) { try chargeSizes(values) }
            let result = try checked(try at(location) { try TemplateFilters.apply(name, to: value, values, evaluator: self) }, at: location)
            try at(location) { try chargeSize(result) }
            return result
        case let .test(base, name, arguments, negated):
            let value = try evaluate(base, in: scope)
            let values = try evaluateArguments(arguments, in: scope)
            let result = try at(location) { () throws -> Bool in
                try chargeSize(value)
                try chargeSizes(values)
                return try TemplatePredicates.apply(name, to: value, values, evaluator: self)
            }
            return .bool(result != negated)
        case let .not(operand):
            return .bool(!(try evaluate(operand, in: scope).isTruthy))
        case let .negate(operand):
            let value = try evaluate(operand, in: scope)
            return try at(location) { try TemplateOperators.negate(value) }
        case let .positive(operand):
            let value = try evaluate(operand, in: scope)
            return try at(location) { try TemplateOperators.positive(value) }
        case let .binary(operation, left, right):
            let a = try evaluate(left, in: scope)
            let b = try evaluate(right, in: scope)
            let result = try checked(try at(location) { try TemplateOperators.binary(operation, a, b, limits: limits) }, at: location)
            try at(location) { try chargeSize(result) }
            return result
        case let .concat(operands):
            var builder = TextBuilder(limit: limits.maximumStringLength)
            for operand in operands {
                let value = try evaluate(operand, in: scope)
                try at(operand.location) { try builder.append(try value.text(limit: limits.maximumStringLength)) }
            }
            let result = TemplateValue.string(builder.result)
            try at(location) { try chargeSize(result) }
            return result
        case let .and(left, right):
            let a = try evaluate(left, in: scope)
            return a.isTruthy ? try evaluate(right, in: scope) : a
        case let .or(left, right):
            let a = try evaluate(left, in: scope)
            return a.isTruthy ? a : try evaluate(right, in: scope)
        case let .compare(first, rest):
            var left = try evaluate(first, in: scope)
            for (operation, operand) in rest {
                let right = try evaluate(operand, in: scope)
                let holds = try at(operand.location) { () throws -> Bool in
                    try chargeSize(left)
                    try chargeSize(right)
                    return try TemplateOperators.compare(operation, left, right)
                }
                guard holds else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case let .conditional(test, then, otherwise):
            if try evaluate(test, in: scope).isTruthy { return try evaluate(then, in: scope) }
            return try otherwise.map { try evaluate($0, in: scope) } ?? .undefined("the conditional expression has no else branch")
        }
    }

    private func evaluateArguments(_ arguments: CallArguments, in scope: TemplateScope) throws -> TemplateArguments {
        TemplateArguments(positional: try arguments.positional.map { try evaluate($0, in: scope) },
                          keyword: try arguments.keyword.map { ($0.name, try evaluate($0.value, in: scope)) })
    }

    // MARK: - Calls

    func call(_ callee: TemplateValue, _ arguments: TemplateArguments, at location: SourceLocation) throws -> TemplateValue {
        switch callee {
        case let .function(.global(name)):
            return try TemplateGlobals.call(name, arguments, evaluator: self)
        case let .function(.method(receiver, name)):
            return try TemplateMethods.call(name, on: receiver, arguments, evaluator: self)
        case let .function(.macro(macro)):
            return try callMacro(macro, arguments, at: location)
        case let .undefined(hint):
            throw TemplateFailure.runtime(hint)
        default:
            throw TemplateFailure.runtime("'\(callee.typeName)' object is not callable")
        }
    }

    /// A macro call renders the macro's body in a fresh scope below the one it was defined in;
    /// missing arguments are Undefined unless they have a default (Jinja's rule).
    private func callMacro(_ macro: TemplateMacro, _ arguments: TemplateArguments, at location: SourceLocation) throws -> TemplateValue {
        let definition = macro.definition
        guard arguments.positional.count <= definition.parameters.count else {
            throw TemplateFailure.runtime("macro '\(definition.name)' takes not more than \(definition.parameters.count) argument(s)")
        }
        for (name, _) in arguments.keyword where !definition.parameters.contains(where: { $0.name == name }) {
            throw TemplateFailure.runtime("macro '\(definition.name)' takes no keyword argument '\(name)'")
        }
        let scope = TemplateScope(parent: macro.scope)
        for (index, parameter) in definition.parameters.enumerated() {
            if index < arguments.positional.count {
                if arguments.keyword.contains(where: { $0.name == parameter.name }) {
                    throw TemplateFailure.runtime("macro '\(definition.name)' got multiple values for argument '\(parameter.name)'")
                }
                scope.set(parameter.name, arguments.positional[index])
            } else if let value = arguments.keyword.last(where: { $0.name == parameter.name })?.value {
                scope.set(parameter.name, value)
            } else if let defaultValue = parameter.defaultValue {
                scope.set(parameter.name, try evaluate(defaultValue, in: scope))
            } else {
                scope.set(parameter.name, .undefined("parameter '\(parameter.name)' was not provided"))
            }
        }
        try descend(location)
        defer { depth -= 1 }
        var output = OutputBuffer(limit: limits.maximumStringLength)
        _ = try execute(definition.body, in: scope, into: &output)
        return .string(output.text)
    }
}
