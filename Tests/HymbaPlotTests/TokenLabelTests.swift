import XCTest
@testable import HymbaPlot

final class TokenLabelTests: XCTestCase {
    func testInvisiblesBecomeVisible() {
        XCTAssertEqual(TokenLabel.visible("\n"), "\\n")
        XCTAssertEqual(TokenLabel.visible("a\r\n"), "a\\r\\n")
        XCTAssertEqual(TokenLabel.visible("\t"), "\\t")
        XCTAssertEqual(TokenLabel.visible("\u{0}"), "\\x00")
        XCTAssertEqual(TokenLabel.visible("\u{7F}"), "\\x7F")
        XCTAssertEqual(TokenLabel.visible("\u{200B}"), "\\u{200B}")
        XCTAssertEqual(TokenLabel.visible("\u{FEFF}x"), "\\u{FEFF}x")
        XCTAssertEqual(TokenLabel.visible("\u{2028}"), "\\u{2028}")
        XCTAssertEqual(TokenLabel.visible(""), "∅")
        XCTAssertEqual(TokenLabel.visible("  "), "␣␣")
    }

    func testPrintableTokensAreKept() {
        for token in ["▁The", "<0x0A>", "&amp;", "<b>", "café", "猫", "🙂", " the"] {
            XCTAssertEqual(TokenLabel.visible(token), token)
        }
    }

    func testTextIsPlainAndSingleLine() throws {
        let context = try MeasuringContext(theme: .paper)
        let style = TextStyle(size: 10, color: .black)
        let line = context.text.lineHeight(style)
        XCTAssertEqual(context.text.measure("a\nb\nc", style).height, line, accuracy: 0.01, "newlines must not add lines")
        // Markup would render "<b>x</b>" as a bold "x"; plain text keeps every character.
        XCTAssertGreaterThan(context.text.measure("<b>x</b>", style).width, context.text.measure("x", style).width * 4)
        XCTAssertGreaterThan(context.text.measure("a & b", style).width, 0)
        let long = String(repeating: "▁token", count: 40)
        XCTAssertLessThanOrEqual(context.text.measure(long, style, maxWidth: 64).width, 64)
    }
}
