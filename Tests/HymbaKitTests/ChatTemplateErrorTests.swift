import Foundation
import XCTest
@testable import HymbaKit

/// What the interpreter says when a template cannot be rendered exactly: syntax errors and
/// runtime errors at their line and column, Jinja constructs it does not implement named as
/// such, the template's own `raise_exception`, and the limits that stop runaway templates.
final class ChatTemplateErrorTests: XCTestCase {
    private let chat = ChatFile(messages: [ChatMessage(role: "user", content: "Hi")])

    private func error(loading source: String, limits: TemplateLimits = .default,
                       file: StaticString = #filePath, line: UInt = #line) -> ChatError? {
        do {
            _ = try ChatTemplate(source: source, limits: limits)
            XCTFail("expected \(source.debugDescription) to fail to load", file: file, line: line)
        } catch let error as ChatError {
            return error
        } catch {
            XCTFail("not a ChatError: \(error)", file: file, line: line)
        }
        return nil
    }

    private func error(rendering source: String, limits: TemplateLimits = .default,
                       file: StaticString = #filePath, line: UInt = #line) -> ChatError? {
        do {
            let text = try ChatTemplate(source: source, limits: limits).render(chat, addGenerationPrompt: false)
            XCTFail("expected \(source.debugDescription) to fail, it rendered \(text.debugDescription)", file: file, line: line)
        } catch let error as ChatError {
            return error
        } catch {
            XCTFail("not a ChatError: \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: - Syntax errors

    func testSyntaxErrorsNameTheirLineAndColumn() {
        XCTAssertEqual(error(loading: "line one\n{% if x %}\n  {{ x + }}\n{% endif %}"),
                       .templateSyntax(line: 3, column: 10, message: "unexpected '}}'"))
        XCTAssertEqual(error(loading: "{{ (1] }}"),
                       .templateSyntax(line: 1, column: 6, message: "unexpected ']', expected ')' to close the bracket at line 1 column 4"))
        XCTAssertEqual(error(loading: "ok\n{{ 'never closed }}"),
                       .templateSyntax(line: 2, column: 4, message: "the string opened here is never closed"))
        XCTAssertEqual(error(loading: "{{ 'a'|nosuch }}"), .templateSyntax(line: 1, column: 8, message: "no filter named 'nosuch'"))
        XCTAssertEqual(error(loading: "{{ 1 is nosuch }}"), .templateSyntax(line: 1, column: 9, message: "no test named 'nosuch'"))
    }

    func testUnclosedAndMisplacedBlocksSayWhichTagIsMissing() throws {
        let unclosed = try XCTUnwrap(error(loading: "a\n{% for m in messages %}\n{{ m }}"))
        XCTAssertEqual(unclosed, .templateSyntax(line: 2, column: 4,
                       message: "the {% for %} tag opened here is never closed (expected {% endfor %} before the end of the template)"))
        let mismatched = try XCTUnwrap(error(loading: "{% if x %}\n{% endfor %}"))
        XCTAssertTrue(mismatched.description.contains("line 2"), mismatched.description)
        XCTAssertTrue(mismatched.description.contains("closes with {% endif %}"), mismatched.description)
        XCTAssertEqual(error(loading: "{% endif %}"),
                       .templateSyntax(line: 1, column: 4, message: "unexpected {% endif %}: there is no open block for it to close"))
        XCTAssertEqual(error(loading: "{{ x }"), .templateSyntax(line: 1, column: 6, message: "unexpected '}' with no bracket open"))
        XCTAssertEqual(error(loading: "{# note"), .templateSyntax(line: 1, column: 1, message: "the comment opened here is never closed with #}"))
        XCTAssertEqual(error(loading: "{% break %}"), .templateSyntax(line: 1, column: 4, message: "{% break %} outside a for loop"))
    }

    func testColumnsCountCharactersNotBytes() {
        // "é" and "日本" are one character each to Python, whatever their UTF-8 length.
        XCTAssertEqual(error(loading: "é日本{{ ) }}"), .templateSyntax(line: 1, column: 7, message: "unexpected ')' with no bracket open"))
    }

    // MARK: - Unsupported constructs

    func testUnsupportedConstructsAreNamedAtLoad() {
        let cases: [(String, String, Int)] = [
            ("{% include 'other.jinja' %}", "the {% include %} tag", 4),
            ("x\n{% filter upper %}a{% endfilter %}", "the {% filter %} tag", 4),
            ("{% call m() %}{% endcall %}", "the {% call %} tag", 4),
            ("{% extends 'base' %}", "the {% extends %} tag", 4),
            ("{{ text|wordwrap(20) }}", "the filter 'wordwrap'", 9),
            ("{{ text|safe }}", "the filter 'safe'", 9),
            ("{{ 3.14159|round(2) }}", "the filter 'round'", 12),
            ("{{ x is escaped }}", "the test 'escaped'", 9),
            ("{% for x in xs recursive %}{% endfor %}", "a recursive for loop", 16),
            ("{{ f(*args) }}", "*args and **kwargs in a call", 6),
            ("{% set x | upper %}a{% endset %}", "a filter on a {% set %} block", 10),
            ("{% macro m(caller) %}{% endmacro %}", "the macro parameter 'caller'", 12),
            ("{{ café }}", "a non-ASCII name", 4),
            ("{{ '\\N{BULLET}' }}", "a \\N{...} named-character escape", 4),
            ("{{ 99999999999999999999 }}", "the integer 99999999999999999999 (beyond 64 bits)", 4),
        ]
        for (source, construct, column) in cases {
            XCTAssertEqual(error(loading: source), .unsupportedConstruct(line: source.hasPrefix("x\n") ? 2 : 1, column: column, construct: construct), source)
        }
    }

    func testUnsupportedConstructsReachedAtRunTimeAreNamed() {
        let cases: [(String, String)] = [
            ("{{ 'a'.zfill(3) }}", "the str method '.zfill()'"),
            ("{{ '%s!' % 'hi' }}", "printf-style string formatting with '%'"),
            ("{{ cycler('a', 'b') }}", "the global 'cycler'"),
            ("{% for x in [1] %}{{ loop.changed(x) }}{% endfor %}", "loop.changed()"),
            ("{{ [1]|map('upper') }}", "printing a generator (Python prints its memory address; add |list)"),
            ("{{ (2 ** 62) * 4 }}", "an integer result beyond 64 bits (in '*')"),
            ("{{ x is sameas [1] }}", "'sameas' on anything but none, true and false (Python's object identity)"),
        ]
        for (source, construct) in cases {
            guard case let .unsupportedConstruct(_, _, named)? = error(rendering: source) else {
                XCTFail("\(source) should be an unsupported construct")
                continue
            }
            XCTAssertEqual(named, construct, source)
        }
    }

    func testTheDescriptionPointsToTheDocs() throws {
        let failure = try XCTUnwrap(error(loading: "{% include 'x' %}"))
        XCTAssertEqual(failure.description,
                       "chat template, line 1 column 4: the {% include %} tag is not supported by this Jinja interpreter (see docs/chat.md)")
    }

    // MARK: - Runtime errors

    func testRuntimeErrorsNameTheExpression() {
        XCTAssertEqual(error(rendering: "a\n  {{ messages[0].nope.strip() }}"),
                       .templateRuntime(line: 2, column: 22, message: "'dict object' has no attribute 'nope'"))
        XCTAssertEqual(error(rendering: "{{ missing.content }}"),
                       .templateRuntime(line: 1, column: 11, message: "'missing' is undefined"))
        XCTAssertEqual(error(rendering: "{{ 'n: ' + 1 }}"),
                       .templateRuntime(line: 1, column: 10, message: "can only concatenate str (not \"int\") to str"))
        XCTAssertEqual(error(rendering: "{{ messages|selectattr('role', 'eq', 'user')|length }}"),
                       .templateRuntime(line: 1, column: 46, message: "object of type 'generator' has no len()"))
        XCTAssertEqual(error(rendering: "{{ missing|tojson }}"),
                       .templateRuntime(line: 1, column: 12, message: "Object of type Undefined is not JSON serializable ('missing' is undefined)"))
    }

    func testRaiseExceptionCarriesTheTemplatesMessage() throws {
        let source = """
        {% for message in messages %}
        {% if message.role not in ['system', 'assistant'] %}
            {{ raise_exception('Only system and assistant roles are supported, got ' ~ message.role) }}
        {% endif %}
        {% endfor %}
        """
        XCTAssertEqual(error(rendering: source),
                       .raisedByTemplate(line: 3, column: 8, message: "Only system and assistant roles are supported, got user"))
        let description = try XCTUnwrap(error(rendering: source)).description
        XCTAssertEqual(description, "the chat template refused the chat (raise_exception at line 3 column 8): Only system and assistant roles are supported, got user")
    }

    // MARK: - Limits

    func testRunawayTemplatesStopAtTheirLimits() {
        let limits = TemplateLimits(maximumSteps: 100_000, maximumStringLength: 10_000, maximumCollectionCount: 1000)
        let cases: [(String, String)] = [
            ("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "steps"),
            ("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "characters"),
            ("{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}", "items"),
            ("{{ 'ab' * 100000 }}", "characters"),
            ("{{ [0] * 100000 }}", "items"),
            ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "deeper than"),
            ("{% set ns = namespace(x=[]) %}{% for i in range(700) %}{% set ns.x = [ns.x] %}{% endfor %}", "nests deeper"),
            ("{% for i in range(100001) %}{% endfor %}", "range() of more than 100000"),
            // A namespace holding itself prints without end (Python elides the cycle as {...}).
            ("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}", "longer than 10000 characters"),
        ]
        for (source, fragment) in cases {
            guard let failure = error(rendering: source, limits: limits) else { continue }
            guard case .limitExceeded = failure else {
                XCTFail("\(source): expected a limit, got \(failure)")
                continue
            }
            XCTAssertTrue(failure.description.contains(fragment), "\(source): \(failure)")
        }
    }

    /// Work is paid by size: appending to a growing string costs its length each time, so the
    /// loop stops at the step limit long before the copying would take minutes.
    func testGrowingStringsPayForTheirCopies() {
        let limits = TemplateLimits(maximumSteps: 100_000, maximumStringLength: 1 << 24)
        let source = "{% set ns = namespace(s='') %}{% for i in range(100000) %}{% set ns.s = ns.s ~ 'abcdefgh' %}{% endfor %}"
        guard case let .limitExceeded(_, _, limit)? = error(rendering: source, limits: limits) else {
            return XCTFail("expected the step limit")
        }
        XCTAssertTrue(limit.contains("steps"), limit)
    }

    /// Searching is linear: a long needle in a long text (quadratic for a naive search) is quick.
    func testSubstringSearchIsLinear() throws {
        let source = "{% set a = 'a' * 400000 %}{% set b = 'a' * 200000 ~ 'b' %}{{ b in a }} {{ a.count(b) }} {{ a.find(b) }} {{ (a ~ 'b').rfind(b) }} {{ a.split(b)|length }} {{ a.replace(b, '')|length }}"
        XCTAssertEqual(try ChatTemplate(source: source).render(chat, addGenerationPrompt: false), "False 0 -1 200000 1 400000")
    }

    func testDeepNestingIsRefusedWhileParsing() {
        for source in [
            "{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}",
            "{{ " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + " }}",
            "{{ " + String(repeating: "not ", count: 5000) + "x }}",
            "{{ " + String(repeating: "-", count: 5000) + "1 }}",
            "{{ 1" + String(repeating: " + 1", count: 5000) + " }}",
            String(repeating: "{% if true %}", count: 5000) + String(repeating: "{% endif %}", count: 5000),
        ] {
            guard case .limitExceeded? = error(loading: source) else {
                XCTFail("deep nesting should be a limit: \(source.prefix(30))…")
                continue
            }
        }
    }

    func testATemplateBeyondTheSourceLimitIsRefused() {
        XCTAssertEqual(error(loading: String(repeating: "x", count: 101), limits: TemplateLimits(maximumSourceLength: 100)),
                       .limitExceeded(line: 1, column: 1, limit: "the template has 101 characters, more than the limit of 100"))
    }

    /// Mutations of a real template never crash or hang: each loads and renders, or fails with
    /// a ChatError (the libFuzzer harnesses run this at scale).
    func testMutatedTemplatesFailCleanly() throws {
        let hymba = try ChatTemplate(directory: TokenizerFixtures.directory).source
        let pieces = ["{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "(", ")", "[", "]", "'", "\"", "|", " if ", " for ", " endif ",
                      " endfor ", " else ", " in ", "loop.", "namespace(", "range(9)", "|tojson", "*", "//", "\n", " ", "é"]
        var generator = TemplateMutationGenerator(seed: 7)
        let limits = TemplateLimits(maximumSteps: 50_000, maximumStringLength: 1 << 16)
        var rendered = 0
        for _ in 0..<1500 {
            var text = Array(hymba)
            for _ in 0..<(1 + generator.next(4)) {
                let position = generator.next(text.count + 1)
                if generator.next(2) == 0, position < text.count {
                    text.removeSubrange(position..<min(text.count, position + 1 + generator.next(8)))
                } else {
                    text.insert(contentsOf: pieces[generator.next(pieces.count)], at: position)
                }
            }
            do {
                _ = try ChatTemplate(source: String(text), limits: limits).render(chat, addGenerationPrompt: true)
                rendered += 1
            } catch is ChatError {
                continue
            }
        }
        XCTAssertGreaterThan(rendered, 10)
    }
}

/// A small seeded generator, so the mutation test is the same on every run.
struct TemplateMutationGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
    }
}
