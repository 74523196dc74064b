/// One lexical token of a template.
enum TemplateTokenKind: Equatable {
    /// Literal text between tags, already trimmed by the whitespace rules.
    case text(String)
    case variableBegin, variableEnd
    case blockBegin, blockEnd
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    /// An operator or punctuation mark: `+`, `//`, `==`, `(`, `|`, `.`, ...
    case symbol(String)
    case end

    /// How an error message names the token.
    var display: String {
        switch self {
        case .text: return "template text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case let .name(name): return "'\(name)'"
        case .string: return "a string"
        case let .integer(value): return "the number \(value)"
        case let .float(value): return "the number \(value)"
        case let .symbol(symbol): return "'\(symbol)'"
        case .end: return "the end of the template"
        }
    }
}

struct TemplateToken {
    let kind: TemplateTokenKind
    let location: SourceLocation
}

/// Splits a template into tokens exactly as Jinja's lexer does under Hugging Face's settings
/// (`trim_blocks=True`, `lstrip_blocks=True`, `keep_trailing_newline=False`), because those
/// settings decide every newline of the prompt:
///
/// - Line breaks (`\r\n`, `\r`, `\n`) become `\n`, and one final line break is dropped.
/// - `{%- `, `{{-`, `{#-` remove all whitespace before the tag; ` -%}`, ` -}}`, ` -#}` all after.
/// - trim_blocks: a block or comment tag's end (`%}`, `#}`) swallows one newline after it; a
///   `+%}` end keeps it. (A `{% raw %}` tag's own end does not trim: Jinja's quirk, kept.)
/// - lstrip_blocks: spaces and tabs between a line's start and a block or comment tag are
///   removed, unless the tag opens with `{%+`. Never before `{{`.
/// - Inside a tag, an end marker inside open brackets is an operator: `{{ {'a': {}} }}` works.
struct TemplateLexer {
    private let source: [Unicode.Scalar]
    private let lineStarts: [Int]
    private var tokens: [TemplateToken] = []
    private var lineStarting = true

    init(source: String, limits: TemplateLimits) throws {
        // Newline normalisation and the dropped final newline happen before anything else, as
        // in Jinja, so string literals see `\n` too.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousWasCR = false
        for scalar in source.unicodeScalars {
            if scalar == "\r" {
                scalars.append("\n")
                previousWasCR = true
                continue
            }
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = false
            scalars.append(scalar)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        guard scalars.count <= limits.maximumSourceLength else {
            throw TemplateFailure(kind: .limit,
                                  message: "the template has \(scalars.count) characters, more than the limit of \(limits.maximumSourceLength)",
                                  location: SourceLocation(line: 1, column: 1))
        }
        self.source = scalars
        var starts = [0]
        for (offset, scalar) in scalars.enumerated() where scalar == "\n" { starts.append(offset + 1) }
        self.lineStarts = starts
    }

    /// The tokens of the whole template, ending with `.end`.
    mutating func tokenize() throws -> [TemplateToken] {
        var position = 0
        let count = source.count
        while position < count {
            guard let tagStart = nextTagStart(from: position) else {
                appendText(position..<count)
                break
            }
            let opener = source[tagStart + 1]
            if opener == "%", let rawEnd = rawBeginEnd(at: tagStart) {
                appendText(stripped(position..<tagStart, sign: sign(at: tagStart + 2), isBlock: true))
                position = try lexRaw(contentStart: rawEnd.position, lineStartingAfterBegin: rawEnd.lineStarting, tagStart: tagStart)
                continue
            }
            let tagSign = sign(at: tagStart + 2)
            appendText(stripped(position..<tagStart, sign: tagSign, isBlock: opener != "{"))
            let afterOpener = tagStart + 2 + (tagSign == nil ? 0 : 1)
            switch opener {
            case "#":
                position = try skipComment(from: afterOpener, tagStart: tagStart)
            case "%":
                tokens.append(TemplateToken(kind: .blockBegin, location: location(tagStart)))
                position = try lexTag(from: afterOpener, isBlock: true, tagStart: tagStart)
            default:
                tokens.append(TemplateToken(kind: .variableBegin, location: location(tagStart)))
                position = try lexTag(from: afterOpener, isBlock: false, tagStart: tagStart)
            }
        }
        tokens.append(TemplateToken(kind: .end, location: location(count)))
        return tokens
    }

    // MARK: - Text between tags

    private func location(_ offset: Int) -> SourceLocation {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return SourceLocation(line: low + 1, column: offset - lineStarts[low] + 1)
    }

    /// The first `{{`, `{%` or `{#` at or after `position`.
    private func nextTagStart(from position: Int) -> Int? {
        var index = position
        while index + 1 < source.count {
            if source[index] == "{" {
                let next = source[index + 1]
                if next == "{" || next == "%" || next == "#" { return index }
            }
            index += 1
        }
        return nil
    }

    /// The whitespace-control sign right after a tag opener, if any.
    private func sign(at index: Int) -> Unicode.Scalar? {
        guard index < source.count else { return nil }
        let scalar = source[index]
        return scalar == "-" || scalar == "+" ? scalar : nil
    }

    /// The text before a tag after the tag's left-side whitespace rule.
    private func stripped(_ range: Range<Int>, sign: Unicode.Scalar?, isBlock: Bool) -> Range<Int> {
        if sign == "-" {
            var end = range.upperBound
            while end > range.lowerBound && PythonText.isSpace(source[end - 1]) { end -= 1 }
            return range.lowerBound..<end
        }
        guard sign != "+", isBlock else { return range }
        // lstrip_blocks: only whitespace between the last newline (or a line start) and the tag.
        var lineStart = range.upperBound
        while lineStart > range.lowerBound && source[lineStart - 1] != "\n" { lineStart -= 1 }
        let atLineStart = lineStart > range.lowerBound || lineStarting
        guard atLineStart, lineStart < range.upperBound,
              (lineStart..<range.upperBound).allSatisfy({ PythonText.isSpace(source[$0]) }) else { return range }
        return range.lowerBound..<lineStart
    }

    private mutating func appendText(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: source[range])
        tokens.append(TemplateToken(kind: .text(String(text)), location: location(range.lowerBound)))
    }

    private func matches(_ literal: String, at index: Int) -> Bool {
        var offset = index
        for scalar in literal.unicodeScalars {
            guard offset < source.count, source[offset] == scalar else { return false }
            offset += 1
        }
        return true
    }

    private func skipSpaces(from index: Int) -> Int {
        var offset = index
        while offset < source.count && PythonText.isSpace(source[offset]) { offset += 1 }
        return offset
    }

    // MARK: - Comments and raw blocks

    /// Skips a comment whose text starts at `start`; returns the position after its end marker.
    private mutating func skipComment(from start: Int, tagStart: Int) throws -> Int {
        var index = start
        while index < source.count {
            if source[index] == "+" && matches("#}", at: index + 1) {
                lineStarting = false
                return index + 3
            }
            if source[index] == "-" && matches("#}", at: index + 1) {
                return finishEnd(at: index + 3, stripAll: true)
            }
            if source[index] == "#" && matches("}", at: index + 1) {
                return finishEnd(at: index + 2, trimNewline: true)
            }
            index += 1
        }
        throw TemplateFailure.syntax("the comment opened here is never closed with #}", at: location(tagStart))
    }

    /// After an end marker: swallow all whitespace (`-`), or one newline (trim_blocks), and note
    /// whether the next text starts a line.
    private mutating func finishEnd(at index: Int, stripAll: Bool = false, trimNewline: Bool = false) -> Int {
        var end = index
        if stripAll {
            end = skipSpaces(from: index)
        } else if trimNewline, end < source.count, source[end] == "\n" {
            end += 1
        }
        lineStarting = end > index && source[end - 1] == "\n"
        return end
    }

    /// If a `{% raw %}` tag starts at `tagStart`: where its content starts, and whether that is
    /// a line start. Its end marker does not trim a newline (Jinja's rule for raw).
    private func rawBeginEnd(at tagStart: Int) -> (position: Int, lineStarting: Bool)? {
        var index = tagStart + 2
        if sign(at: index) != nil { index += 1 }
        index = skipSpaces(from: index)
        guard matches("raw", at: index) else { return nil }
        index = skipSpaces(from: index + 3)
        if matches("-%}", at: index) {
            let end = skipSpaces(from: index + 3)
            return (end, end > index + 3 && source[end - 1] == "\n")
        }
        if matches("%}", at: index) { return (index + 2, false) }
        return nil
    }

    /// Emits a raw block's content as text and returns the position after `{% endraw %}`.
    private mutating func lexRaw(contentStart: Int, lineStartingAfterBegin: Bool, tagStart: Int) throws -> Int {
        var index = contentStart
        while index + 1 < source.count {
            if source[index] == "{" && source[index + 1] == "%" {
                var cursor = index + 2
                let endSign = sign(at: cursor)
                if endSign != nil { cursor += 1 }
                cursor = skipSpaces(from: cursor)
                if matches("endraw", at: cursor) {
                    cursor = skipSpaces(from: cursor + 6)
                    var end: Int?
                    lineStarting = lineStartingAfterBegin
                    if matches("+%}", at: cursor) {
                        appendText(stripped(contentStart..<index, sign: endSign, isBlock: true))
                        lineStarting = false
                        end = cursor + 3
                    } else if matches("-%}", at: cursor) {
                        appendText(stripped(contentStart..<index, sign: endSign, isBlock: true))
                        end = finishEnd(at: cursor + 3, stripAll: true)
                    } else if matches("%}", at: cursor) {
                        appendText(stripped(contentStart..<index, sign: endSign, isBlock: true))
                        end = finishEnd(at: cursor + 2, trimNewline: true)
                    }
                    if let end { return end }
                }
            }
            index += 1
        }
        throw TemplateFailure.syntax("the {% raw %} block opened here is never closed with {% endraw %}", at: location(tagStart))
    }

    // MARK: - Inside a tag

    private static let symbols: [String] = [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ]

    /// Lexes the expression tokens of a `{% %}` or `{{ }}` tag up to and including its end.
    private mutating func lexTag(from start: Int, isBlock: Bool, tagStart: Int) throws -> Int {
        var index = start
        var brackets: [(close: Unicode.Scalar, location: SourceLocation)] = []
        while index < source.count {
            if brackets.isEmpty, let end = endOfTag(at: index, isBlock: isBlock) {
                return end
            }
            let scalar = source[index]
            if PythonText.isSpace(scalar) {
                index = skipSpaces(from: index)
                continue
            }
            let here = location(index)
            if let (kind, next) = try number(at: index) {
                tokens.append(TemplateToken(kind: kind, location: here))
                index = next
                continue
            }
            if scalar == "'" || scalar == "\"" {
                let (value, next) = try string(at: index)
                tokens.append(TemplateToken(kind: .string(value), location: here))
                index = next
                continue
            }
            if isWordScalar(scalar) {
                var end = index
                while end < source.count && isWordScalar(source[end]) { end += 1 }
                let word = source[index..<end]
                guard word.allSatisfy({ $0.isASCII }) else {
                    throw TemplateFailure(kind: .unsupported, message: "a non-ASCII name", location: here)
                }
                var view = String.UnicodeScalarView()
                view.append(contentsOf: word)
                tokens.append(TemplateToken(kind: .name(String(view)), location: here))
                index = end
                continue
            }
            guard let symbol = Self.symbols.first(where: { matches($0, at: index) }) else {
                throw TemplateFailure.syntax("unexpected character \(PythonText.repr(String(Character(scalar)))) in a tag", at: here)
            }
            switch symbol {
            case "(": brackets.append((")", here))
            case "[": brackets.append(("]", here))
            case "{": brackets.append(("}", here))
            case ")", "]", "}":
                guard let open = brackets.popLast() else {
                    throw TemplateFailure.syntax("unexpected '\(symbol)' with no bracket open", at: here)
                }
                guard String(open.close) == symbol else {
                    throw TemplateFailure.syntax("unexpected '\(symbol)', expected '\(open.close)' to close the bracket at line \(open.location.line) column \(open.location.column)", at: here)
                }
            default: break
            }
            tokens.append(TemplateToken(kind: .symbol(symbol), location: here))
            index += symbol.unicodeScalars.count
        }
        if let open = brackets.last {
            throw TemplateFailure.syntax("the bracket opened here is never closed", at: open.location)
        }
        throw TemplateFailure.syntax("the tag opened here is never closed with \(isBlock ? "%}" : "}}")", at: location(tagStart))
    }

    /// If a tag's end marker starts at `index`: the position after it (and its trimming).
    private mutating func endOfTag(at index: Int, isBlock: Bool) -> Int? {
        let here = location(index)
        if isBlock {
            if matches("+%}", at: index) {
                tokens.append(TemplateToken(kind: .blockEnd, location: here))
                lineStarting = false
                return index + 3
            }
            if matches("-%}", at: index) {
                tokens.append(TemplateToken(kind: .blockEnd, location: here))
                return finishEnd(at: index + 3, stripAll: true)
            }
            if matches("%}", at: index) {
                tokens.append(TemplateToken(kind: .blockEnd, location: here))
                return finishEnd(at: index + 2, trimNewline: true)
            }
        } else {
            if matches("-}}", at: index) {
                tokens.append(TemplateToken(kind: .variableEnd, location: here))
                return finishEnd(at: index + 3, stripAll: true)
            }
            if matches("}}", at: index) {
                tokens.append(TemplateToken(kind: .variableEnd, location: here))
                lineStarting = false
                return index + 2
            }
        }
        return nil
    }

    /// Python's `\w`: letters, digits, marks and the underscore.
    private func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_"
        }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType != nil
            || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
            || properties.generalCategory == .connectorPunctuation
    }

    private func isDigit(_ index: Int, radix: Int = 10) -> Bool {
        guard index < source.count, source[index].isASCII else { return false }
        return Int(String(Character(source[index])), radix: radix) != nil
    }

    /// Digits with single underscores between them (`1_000`), as Jinja's number rules allow.
    private func digitRun(at index: Int, radix: Int = 10) -> Int? {
        guard isDigit(index, radix: radix) else { return nil }
        var end = index + 1
        while true {
            if isDigit(end, radix: radix) {
                end += 1
            } else if end < source.count, source[end] == "_", isDigit(end + 1, radix: radix) {
                end += 2
            } else {
                return end
            }
        }
    }

    private func text(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: source[range])
        return String(view)
    }

    /// A float (`1.5`, `2e3`, `1_0.0_1`) or an integer (`42`, `0x1F`, `0b101`, `0o17`) at `index`.
    private func number(at index: Int) throws -> (TemplateTokenKind, Int)? {
        guard isDigit(index) else { return nil }
        // Float first, as Jinja tries it first (but not right after a '.': `x.0.1`).
        if index == 0 || source[index - 1] != ".", let whole = digitRun(at: index) {
            var end = whole
            var isFloat = false
            if end < source.count, source[end] == ".", let fraction = digitRun(at: end + 1) {
                end = fraction
                isFloat = true
            }
            if end < source.count, source[end] == "e" || source[end] == "E" {
                var exponent = end + 1
                if exponent < source.count, source[exponent] == "+" || source[exponent] == "-" { exponent += 1 }
                if let exponentEnd = digitRun(at: exponent) {
                    end = exponentEnd
                    isFloat = true
                }
            }
            if isFloat {
                let literal = text(index..<end).filter { $0 != "_" }
                guard let value = Double(literal) else {
                    throw TemplateFailure.syntax("invalid number \(literal)", at: location(index))
                }
                return (.float(value), end)
            }
        }
        var radix = 10, digitsStart = index
        if source[index] == "0", index + 1 < source.count {
            switch source[index + 1] {
            case "b", "B": radix = 2
            case "o", "O": radix = 8
            case "x", "X": radix = 16
            default: break
            }
        }
        let end: Int
        if radix != 10 {
            digitsStart = index + 2
            var cursor = digitsStart
            if cursor < source.count, source[cursor] == "_" { cursor += 1 }
            guard let run = digitRun(at: cursor, radix: radix) else {
                // "0b" without digits: the integer is the lone 0, then a name.
                return (.integer(0), index + 1)
            }
            end = run
        } else if source[index] == "0" {
            // Jinja's decimal zero: 0, 00, 0_0 — a leading zero never starts a longer number.
            var cursor = index + 1
            while true {
                if cursor < source.count, source[cursor] == "0" {
                    cursor += 1
                } else if cursor + 1 < source.count, source[cursor] == "_", source[cursor + 1] == "0" {
                    cursor += 2
                } else {
                    break
                }
            }
            end = cursor
        } else {
            end = digitRun(at: index)!
        }
        let digits = text(digitsStart..<end).filter { $0 != "_" }
        guard let value = Int(digits, radix: radix) else {
            throw TemplateFailure(kind: .unsupported, message: "the integer \(text(index..<end)) (beyond 64 bits)", location: location(index))
        }
        return (.integer(value), end)
    }

    /// A quoted string at `index`, decoded like Jinja does (Python's unicode-escape codec).
    private func string(at index: Int) throws -> (String, Int) {
        let quote = source[index]
        var cursor = index + 1
        while cursor < source.count {
            let scalar = source[cursor]
            if scalar == "\\" {
                cursor += 2
                continue
            }
            if scalar == quote {
                let value = try PythonEscapes.decode(source[(index + 1)..<cursor], at: location(index))
                return (value, cursor + 1)
            }
            cursor += 1
        }
        throw TemplateFailure.syntax("the string opened here is never closed", at: location(index))
    }
}
