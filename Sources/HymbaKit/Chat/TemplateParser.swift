/// Turns tokens into a syntax tree with Jinja's grammar and operator precedence, lowest first:
///
///     a if c else b   →  or  →  and  →  not  →  == != < <= > >= in, not in (chained)
///     →  + -  →  ~  →  * / // %  →  **  →  unary - +  →  primary with .attr [item] (call)
///     →  | filter and `is` test (they bind tighter than every operator: `a + b|length`)
///
/// Tags Jinja knows but this interpreter does not implement (`{% include %}`, `{% call %}`,
/// `{% filter %}`, ...) and unknown filters or tests fail here, at load time, naming the
/// construct and its place — before any chat is rendered.
struct TemplateParser {
    private let tokens: [TemplateToken]
    private var index = 0
    private let limits: TemplateLimits
    private var nesting = 0
    /// Open block tags, innermost last, for "which end tag is missing" messages.
    private var openBlocks: [(name: String, location: SourceLocation)] = []
    private var loopDepth = 0

    init(tokens: [TemplateToken], limits: TemplateLimits) {
        self.tokens = tokens
        self.limits = limits
    }

    /// The whole template.
    mutating func parseTemplate() throws -> [Statement] {
        let body = try parseBody(until: [])
        guard case .end = current.kind else {
            // parseBody only stops early at an end tag nobody opened.
            throw unexpectedEndTag()
        }
        return body
    }

    // MARK: - Token stream

    private var current: TemplateToken { tokens[index] }

    private func peek(_ offset: Int = 1) -> TemplateToken {
        tokens[min(index + offset, tokens.count - 1)]
    }

    private mutating func advance() -> TemplateToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func isSymbol(_ symbol: String, _ token: TemplateToken? = nil) -> Bool {
        if case let .symbol(found) = (token ?? current).kind { return found == symbol }
        return false
    }

    private func isName(_ name: String, _ token: TemplateToken? = nil) -> Bool {
        if case let .name(found) = (token ?? current).kind { return found == name }
        return false
    }

    private mutating func skip(symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        _ = advance()
        return true
    }

    private mutating func skip(name: String) -> Bool {
        guard isName(name) else { return false }
        _ = advance()
        return true
    }

    private func fail(_ message: String, at token: TemplateToken? = nil) -> TemplateFailure {
        TemplateFailure.syntax(message, at: (token ?? current).location)
    }

    private mutating func expect(symbol: String, _ purpose: String) throws {
        guard skip(symbol: symbol) else { throw fail("expected '\(symbol)' \(purpose), found \(current.kind.display)") }
    }

    private mutating func expectName(_ purpose: String) throws -> String {
        guard case let .name(name) = current.kind else {
            throw fail("expected a name \(purpose), found \(current.kind.display)")
        }
        _ = advance()
        return name
    }

    private mutating func expectBlockEnd(_ tag: String) throws {
        guard case .blockEnd = current.kind else {
            throw fail("expected '%}' to end the \(tag) tag, found \(current.kind.display)")
        }
        _ = advance()
    }

    private mutating func enter(_ location: SourceLocation) throws {
        nesting += 1
        guard nesting <= limits.maximumNesting else {
            throw TemplateFailure(kind: .limit, message: "the template nests deeper than \(limits.maximumNesting) levels", location: location)
        }
    }

    private mutating func leave() { nesting -= 1 }

    private func node(_ kind: ExpressionKind, at location: SourceLocation) throws -> Expression {
        let expression = Expression(kind, at: location)
        guard expression.depth <= limits.maximumNesting else {
            throw TemplateFailure(kind: .limit, message: "an expression nests deeper than \(limits.maximumNesting) levels", location: location)
        }
        return expression
    }

    // MARK: - Statements

    /// Statements up to (not including) a block tag whose name is in `endNames`, or the end.
    private mutating func parseBody(until endNames: Set<String>) throws -> [Statement] {
        var body: [Statement] = []
        while true {
            let token = current
            switch token.kind {
            case let .text(text):
                _ = advance()
                body.append(Statement(kind: .text(text), location: token.location))
            case .variableBegin:
                _ = advance()
                let expression = try parseTuple()
                guard case .variableEnd = current.kind else {
                    throw fail("expected '}}' to end the {{ }} output, found \(current.kind.display)")
                }
                _ = advance()
                body.append(Statement(kind: .output(expression), location: expression.location))
            case .blockBegin:
                if case let .name(name) = peek().kind, endNames.contains(name) { return body }
                _ = advance()
                if case let .name(name) = current.kind, Self.endTags.contains(name) {
                    throw unexpectedEndTag()
                }
                if let statement = try parseStatement() { body.append(statement) }
            case .end:
                if let open = openBlocks.last {
                    throw TemplateFailure.syntax(
                        "the {% \(open.name) %} tag opened here is never closed (expected {% \(Self.closer(of: open.name)) %} before the end of the template)",
                        at: open.location)
                }
                return body
            default:
                throw fail("unexpected \(token.kind.display)")
            }
        }
    }

    private static let endTags: Set<String> = [
        "endif", "elif", "else", "endfor", "endset", "endmacro", "endraw", "endgeneration",
        "endblock", "endfilter", "endcall", "endwith", "endautoescape",
    ]

    private static func closer(of tag: String) -> String {
        switch tag {
        case "if", "elif", "else": return "endif"
        case "for": return "endfor"
        default: return "end" + tag
        }
    }

    /// The error for an end tag (or elif/else) in the wrong place; `current` is its name.
    private func unexpectedEndTag() -> TemplateFailure {
        var name = "end"
        if case let .name(found) = current.kind { name = found } else if case let .name(found) = peek().kind { name = found }
        guard let open = openBlocks.last else {
            return fail("unexpected {% \(name) %}: there is no open block for it to close")
        }
        return fail("unexpected {% \(name) %}: the innermost open block is {% \(open.name) %} from line \(open.location.line), which closes with {% \(Self.closer(of: open.name)) %}")
    }

    private static let unsupportedTags: Set<String> = [
        "block", "extends", "include", "import", "from", "with", "autoescape", "call", "filter",
    ]

    /// One tag; `current` is the token after `{%`. Nil for tags that produce nothing.
    private mutating func parseStatement() throws -> Statement? {
        let token = current
        guard case let .name(tag) = token.kind else {
            throw fail("expected a tag name after '{%', found \(token.kind.display)")
        }
        if Self.unsupportedTags.contains(tag) {
            throw TemplateFailure(kind: .unsupported, message: "the {% \(tag) %} tag", location: token.location)
        }
        _ = advance()
        try enter(token.location)
        defer { leave() }
        switch tag {
        case "if": return try parseIf(at: token.location)
        case "for": return try parseFor(at: token.location)
        case "set": return try parseSet(at: token.location)
        case "macro": return try parseMacro(at: token.location)
        case "print":
            let expression = try parseTuple()
            try expectBlockEnd("print")
            return Statement(kind: .output(expression), location: token.location)
        case "break", "continue":
            guard loopDepth > 0 else { throw fail("{% \(tag) %} outside a for loop", at: token) }
            try expectBlockEnd(tag)
            return Statement(kind: tag == "break" ? .breakLoop : .continueLoop, location: token.location)
        case "generation":
            try expectBlockEnd(tag)
            // The body is a call block's caller in Jinja: a loop outside does not reach in.
            let savedLoopDepth = loopDepth
            loopDepth = 0
            let body = try parseBlockBody(tag, at: token.location, until: ["endgeneration"])
            loopDepth = savedLoopDepth
            try closeBlock("endgeneration")
            return Statement(kind: .scoped(body), location: token.location)
        case "do":
            throw TemplateFailure.syntax("unknown tag 'do' (Jinja's do extension, which Hugging Face does not enable)", at: token.location)
        default:
            throw TemplateFailure.syntax("unknown tag '\(tag)'", at: token.location)
        }
    }

    /// Statements until one of `endNames`, remembering the open block for error messages.
    private mutating func parseBlockBody(_ tag: String, at location: SourceLocation, until endNames: Set<String>) throws -> [Statement] {
        openBlocks.append((tag, location))
        defer { openBlocks.removeLast() }
        return try parseBody(until: endNames)
    }

    /// Consumes `{% name %}` (current is `{%`, its name was checked by parseBody).
    private mutating func closeBlock(_ name: String) throws {
        _ = advance()   // {%
        _ = advance()   // name
        try expectBlockEnd(name)
    }

    private mutating func parseIf(at location: SourceLocation) throws -> Statement {
        var branches: [(test: Expression, body: [Statement])] = []
        var otherwise: [Statement] = []
        var test = try parseTuple(withConditional: false)
        try expectBlockEnd("if")
        while true {
            let body = try parseBlockBody("if", at: location, until: ["elif", "else", "endif"])
            branches.append((test, body))
            _ = advance()   // {%
            let word = advance()
            if isName("elif", word) {
                test = try parseTuple(withConditional: false)
                try expectBlockEnd("elif")
                continue
            }
            if isName("else", word) {
                try expectBlockEnd("else")
                otherwise = try parseBlockBody("else", at: word.location, until: ["endif"])
                try closeBlock("endif")
            } else {
                try expectBlockEnd("endif")
            }
            break
        }
        return Statement(kind: .conditional(branches: branches, otherwise: otherwise), location: location)
    }

    private mutating func parseFor(at location: SourceLocation) throws -> Statement {
        let target = try parseAssignmentTarget(allowNamespace: false, purpose: "after 'for'")
        guard skip(name: "in") else { throw fail("expected 'in' after the for loop's variables, found \(current.kind.display)") }
        let iterable = try parseTuple(withConditional: false, extraEnd: ["recursive"])
        let condition = skip(name: "if") ? try parseExpression() : nil
        if isName("recursive") {
            throw TemplateFailure(kind: .unsupported, message: "a recursive for loop", location: current.location)
        }
        try expectBlockEnd("for")
        loopDepth += 1
        let body = try parseBlockBody("for", at: location, until: ["endfor", "else"])
        loopDepth -= 1
        _ = advance()   // {%
        let word = advance()
        var otherwise: [Statement] = []
        if isName("else", word) {
            try expectBlockEnd("else")
            otherwise = try parseBlockBody("for", at: location, until: ["endfor"])
            try closeBlock("endfor")
        } else {
            try expectBlockEnd("endfor")
        }
        let loop = ForLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise)
        return Statement(kind: .loop(loop), location: location)
    }

    private mutating func parseSet(at location: SourceLocation) throws -> Statement {
        let target = try parseAssignmentTarget(allowNamespace: true, purpose: "after 'set'")
        if skip(symbol: "=") {
            let value = try parseTuple()
            try expectBlockEnd("set")
            return Statement(kind: .assign(target, value), location: location)
        }
        if isSymbol("|") {
            throw TemplateFailure(kind: .unsupported, message: "a filter on a {% set %} block", location: current.location)
        }
        try expectBlockEnd("set")
        let body = try parseBlockBody("set", at: location, until: ["endset"])
        try closeBlock("endset")
        return Statement(kind: .assignBlock(target, body: body), location: location)
    }

    private mutating func parseMacro(at location: SourceLocation) throws -> Statement {
        let name = try expectName("for the macro")
        try expect(symbol: "(", "after the macro's name")
        var parameters: [(name: String, defaultValue: Expression?)] = []
        while !isSymbol(")") {
            if !parameters.isEmpty { try expect(symbol: ",", "between macro parameters") }
            if isSymbol(")") { break }
            let parameterToken = current
            let parameter = try expectName("for a macro parameter")
            if ["varargs", "kwargs", "caller"].contains(parameter) {
                throw TemplateFailure(kind: .unsupported, message: "the macro parameter '\(parameter)'", location: parameterToken.location)
            }
            if skip(symbol: "=") {
                parameters.append((parameter, try parseExpression()))
            } else if parameters.contains(where: { $0.defaultValue != nil }) {
                throw fail("a macro parameter without a default follows one with a default", at: parameterToken)
            } else {
                parameters.append((parameter, nil))
            }
        }
        _ = advance()   // )
        try expectBlockEnd("macro")
        let savedLoopDepth = loopDepth
        loopDepth = 0
        let body = try parseBlockBody("macro", at: location, until: ["endmacro"])
        loopDepth = savedLoopDepth
        try closeBlock("endmacro")
        return Statement(kind: .macro(MacroDefinition(name: name, parameters: parameters, body: body)), location: location)
    }

    /// `name`, `a, b` or `(a, b)`, or (for set) `namespace.attribute`.
    private mutating func parseAssignmentTarget(allowNamespace: Bool, purpose: String) throws -> AssignmentTarget {
        let parenthesised = skip(symbol: "(")
        var names: [String] = []
        var sawComma = false
        repeat {
            if parenthesised, isSymbol(")") { break }
            let token = current
            if isSymbol("(") {
                throw TemplateFailure(kind: .unsupported, message: "nested unpacking in an assignment", location: token.location)
            }
            let name = try expectName(purpose)
            if allowNamespace, names.isEmpty, !parenthesised, skip(symbol: ".") {
                let attribute = try expectName("after '\(name).'")
                return .namespaceAttribute(name, attribute)
            }
            if ["true", "false", "none", "True", "False", "None"].contains(name) {
                throw fail("cannot assign to '\(name)'", at: token)
            }
            names.append(name)
        } while skip(symbol: ",") && { sawComma = true; return true }() && !(isSymbol("=") || isName("in") || isBlockEndToken || isSymbol(")"))
        if parenthesised { try expect(symbol: ")", "to close the assignment's names") }
        if names.count == 1 && !sawComma { return .name(names[0]) }
        guard !names.isEmpty else { throw fail("expected a name \(purpose)") }
        return .names(names)
    }

    private var isBlockEndToken: Bool {
        if case .blockEnd = current.kind { return true }
        return false
    }

    // MARK: - Expressions

    private func isTupleEnd(_ extraEnd: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd: return true
        case .symbol(")"): return true
        case let .name(name): return extraEnd.contains(name)
        default: return false
        }
    }

    /// Comma-separated expressions: one is itself, several (or a trailing comma) a tuple.
    private mutating func parseTuple(withConditional: Bool = true, extraEnd: Set<String> = [], explicitParentheses: Bool = false) throws -> Expression {
        let location = current.location
        var items: [Expression] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expect(symbol: ",", "between tuple items") }
            if isTupleEnd(extraEnd) { break }
            items.append(withConditional ? try parseExpression() : try parseOr())
            if isSymbol(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw fail("expected an expression, found \(current.kind.display)") }
        }
        return try node(.tuple(items), at: location)
    }

    private mutating func parseExpression() throws -> Expression {
        var expression = try parseOr()
        while isName("if") {
            let location = advance().location
            let test = try parseOr()
            let otherwise = skip(name: "else") ? try parseExpression() : nil
            expression = try node(.conditional(test: test, then: expression, otherwise: otherwise), at: location)
        }
        return expression
    }

    private mutating func parseOr() throws -> Expression {
        var left = try parseAnd()
        while isName("or") {
            let location = advance().location
            left = try node(.or(left, try parseAnd()), at: location)
        }
        return left
    }

    private mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while isName("and") {
            let location = advance().location
            left = try node(.and(left, try parseNot()), at: location)
        }
        return left
    }

    private mutating func parseNot() throws -> Expression {
        guard isName("not") else { return try parseCompare() }
        let location = advance().location
        try enter(location)
        defer { leave() }
        return try node(.not(try parseNot()), at: location)
    }

    private static let comparisonSymbols: [String: ComparisonOperator] = [
        "==": .equal, "!=": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual,
    ]

    private mutating func parseCompare() throws -> Expression {
        let first = try parseAdditive()
        var rest: [(ComparisonOperator, Expression)] = []
        while true {
            if case let .symbol(symbol) = current.kind, let comparison = Self.comparisonSymbols[symbol] {
                _ = advance()
                rest.append((comparison, try parseAdditive()))
            } else if isName("in") {
                _ = advance()
                rest.append((.contains, try parseAdditive()))
            } else if isName("not"), isName("in", peek()) {
                _ = advance()
                _ = advance()
                rest.append((.notContains, try parseAdditive()))
            } else {
                break
            }
        }
        return rest.isEmpty ? first : try node(.compare(first, rest), at: first.location)
    }

    private mutating func parseAdditive() throws -> Expression {
        var left = try parseConcat()
        while isSymbol("+") || isSymbol("-") {
            let token = advance()
            left = try node(.binary(isSymbol("+", token) ? .add : .subtract, left, try parseConcat()), at: token.location)
        }
        return left
    }

    private mutating func parseConcat() throws -> Expression {
        let first = try parseMultiplicative()
        var operands = [first]
        while skip(symbol: "~") { operands.append(try parseMultiplicative()) }
        return operands.count == 1 ? first : try node(.concat(operands), at: first.location)
    }

    private mutating func parseMultiplicative() throws -> Expression {
        var left = try parsePower()
        while true {
            let operation: BinaryOperator
            if isSymbol("*") { operation = .multiply } else if isSymbol("/") { operation = .divide }
            else if isSymbol("//") { operation = .floorDivide } else if isSymbol("%") { operation = .modulo }
            else { break }
            let token = advance()
            left = try node(.binary(operation, left, try parsePower()), at: token.location)
        }
        return left
    }

    private mutating func parsePower() throws -> Expression {
        var left = try parseUnary()
        while isSymbol("**") {
            let token = advance()
            left = try node(.binary(.power, left, try parseUnary()), at: token.location)
        }
        return left
    }

    /// Unary minus and plus apply to the operand before its filters: `-x|abs` is `(-x)|abs`.
    private mutating func parseUnary(withFilters: Bool = true) throws -> Expression {
        var expression: Expression
        if isSymbol("-") || isSymbol("+") {
            let token = advance()
            try enter(token.location)
            defer { leave() }
            let operand = try parseUnary(withFilters: false)
            expression = try node(isSymbol("-", token) ? .negate(operand) : .positive(operand), at: token.location)
        } else {
            expression = try parsePrimary()
        }
        expression = try parsePostfix(expression)
        if withFilters { expression = try parseFilters(expression) }
        return expression
    }

    private mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case let .name(name):
            _ = advance()
            switch name {
            case "true", "True": return try node(.literal(.bool(true)), at: token.location)
            case "false", "False": return try node(.literal(.bool(false)), at: token.location)
            case "none", "None": return try node(.literal(.none), at: token.location)
            default: return try node(.name(name), at: token.location)
            }
        case let .string(text):
            _ = advance()
            var joined = text
            // Adjacent literals join, as in Python: 'a' "b" is 'ab'.
            while case let .string(more) = current.kind {
                joined += more
                _ = advance()
            }
            return try node(.literal(.string(joined)), at: token.location)
        case let .integer(value):
            _ = advance()
            return try node(.literal(.int(value)), at: token.location)
        case let .float(value):
            _ = advance()
            return try node(.literal(.float(value)), at: token.location)
        case .symbol("("):
            _ = advance()
            try enter(token.location)
            defer { leave() }
            let inner = try parseTuple(explicitParentheses: true)
            try expect(symbol: ")", "to close the '(' at line \(token.location.line) column \(token.location.column)")
            return inner
        case .symbol("["):
            _ = advance()
            try enter(token.location)
            defer { leave() }
            var items: [Expression] = []
            while !isSymbol("]") {
                if !items.isEmpty { try expect(symbol: ",", "between list items") }
                if isSymbol("]") { break }
                items.append(try parseExpression())
            }
            _ = advance()
            return try node(.list(items), at: token.location)
        case .symbol("{"):
            _ = advance()
            try enter(token.location)
            defer { leave() }
            var pairs: [(key: Expression, value: Expression)] = []
            while !isSymbol("}") {
                if !pairs.isEmpty { try expect(symbol: ",", "between dict items") }
                if isSymbol("}") { break }
                let key = try parseExpression()
                try expect(symbol: ":", "after a dict key")
                pairs.append((key, try parseExpression()))
            }
            _ = advance()
            return try node(.dict(pairs), at: token.location)
        default:
            throw fail("unexpected \(token.kind.display)")
        }
    }

    /// `.name`, `.0`, `[index]`, `[a:b:c]` and calls, left to right.
    private mutating func parsePostfix(_ start: Expression) throws -> Expression {
        var expression = start
        while true {
            if isSymbol(".") {
                let dot = advance()
                switch current.kind {
                case let .name(name):
                    _ = advance()
                    expression = try node(.attribute(expression, name), at: dot.location)
                case let .integer(value):
                    let token = advance()
                    expression = try node(.item(expression, try node(.literal(.int(value)), at: token.location)), at: dot.location)
                default:
                    throw fail("expected a name or a number after '.', found \(current.kind.display)")
                }
            } else if isSymbol("[") {
                expression = try parseSubscript(expression)
            } else if isSymbol("(") {
                expression = try parseCall(expression)
            } else {
                return expression
            }
        }
    }

    private mutating func parseSubscript(_ value: Expression) throws -> Expression {
        let bracket = advance()
        try enter(bracket.location)
        defer { leave() }
        var parts: [Expression?] = []
        var isSlice = false
        // Up to three parts separated by ':' (an empty part is nil).
        while true {
            if isSymbol(":") || isSymbol("]") {
                parts.append(nil)
            } else {
                parts.append(try parseExpression())
            }
            if skip(symbol: ":") {
                isSlice = true
                guard parts.count < 3 else { throw fail("a slice has at most three parts") }
                continue
            }
            break
        }
        if isSymbol(",") {
            throw TemplateFailure(kind: .unsupported, message: "a subscript with several indices", location: current.location)
        }
        try expect(symbol: "]", "to close the subscript")
        if !isSlice {
            guard let index = parts[0] else { throw fail("empty subscript []", at: bracket) }
            return try node(.item(value, index), at: bracket.location)
        }
        while parts.count < 3 { parts.append(nil) }
        return try node(.slice(value, start: parts[0], stop: parts[1], step: parts[2]), at: bracket.location)
    }

    private mutating func parseCallArguments() throws -> CallArguments {
        let open = advance()   // (
        try enter(open.location)
        defer { leave() }
        var arguments = CallArguments()
        while !isSymbol(")") {
            if !arguments.isEmpty {
                try expect(symbol: ",", "between arguments")
                if isSymbol(")") { break }
            }
            if isSymbol("*") || isSymbol("**") {
                throw TemplateFailure(kind: .unsupported, message: "*args and **kwargs in a call", location: current.location)
            }
            if case let .name(name) = current.kind, isSymbol("=", peek()) {
                _ = advance()
                _ = advance()
                arguments.keyword.append((name, try parseExpression()))
            } else {
                guard arguments.keyword.isEmpty else { throw fail("a positional argument follows a keyword argument") }
                arguments.positional.append(try parseExpression())
            }
        }
        _ = advance()   // )
        return arguments
    }

    /// A call is located at its callee, where a reader looks for `raise_exception(…)` or `.strip()`.
    private mutating func parseCall(_ callee: Expression) throws -> Expression {
        try node(.call(callee, try parseCallArguments()), at: callee.location)
    }

    /// `| filter(args)` and `is [not] test args`, repeated, then calls on the result.
    private mutating func parseFilters(_ start: Expression) throws -> Expression {
        var expression = start
        while true {
            if isSymbol("|") {
                _ = advance()
                let nameToken = current
                let name = try dottedName("after '|'")
                try TemplateFilters.checkSupported(name, at: nameToken.location)
                let arguments = isSymbol("(") ? try parseCallArguments() : CallArguments()
                expression = try node(.filter(expression, name: name, arguments), at: nameToken.location)
            } else if isName("is") {
                let isToken = advance()
                let negated = skip(name: "not")
                let nameToken = current
                let name = try dottedName("after 'is'")
                try TemplatePredicates.checkSupported(name, at: nameToken.location)
                var arguments = CallArguments()
                if isSymbol("(") {
                    arguments = try parseCallArguments()
                } else if startsTestArgument {
                    if isName("is") { throw fail("tests cannot be chained with 'is'") }
                    arguments.positional = [try parsePostfix(try parsePrimary())]
                }
                expression = try node(.test(expression, name: name, arguments, negated: negated), at: isToken.location)
            } else if isSymbol("(") {
                expression = try parseCall(expression)
            } else {
                return expression
            }
        }
    }

    /// Whether a test's single argument follows without parentheses (`x is divisibleby 3`).
    private var startsTestArgument: Bool {
        switch current.kind {
        case let .name(name): return !["else", "or", "and"].contains(name)
        case .string, .integer, .float: return true
        case .symbol("("), .symbol("["), .symbol("{"): return true
        default: return false
        }
    }

    private mutating func dottedName(_ purpose: String) throws -> String {
        var name = try expectName(purpose)
        while isSymbol("."), case .name = peek().kind {
            _ = advance()
            name += "." + (try expectName(purpose))
        }
        return name
    }
}
