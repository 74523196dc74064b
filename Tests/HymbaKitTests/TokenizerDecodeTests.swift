import XCTest
@testable import HymbaKit

/// Decoding corner cases, each checked against Hugging Face `tokenizers` 0.20.3.
final class TokenizerDecodeTests: XCTestCase {
    private func assertDecodes(_ ids: [Int], _ skipping: String, _ keeping: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tokenizer = try TokenizerFixtures.hymba()
        assertSameScalars(tokenizer.decode(ids), skipping, "\(ids) skipping specials", file: file, line: line)
        assertSameScalars(tokenizer.decode(ids, skipSpecialTokens: false), keeping, "\(ids) keeping specials", file: file, line: line)
    }

    func testInvalidByteRunsBecomeOneReplacementCharacterPerByte() throws {
        try assertDecodes([243, 162], "\u{FFFD}\u{FFFD}", "\u{FFFD}\u{FFFD}")  // F0 9F: truncated
        // The run is judged whole: a valid 🦙 followed by a stray F0 is five U+FFFD, not "🦙\u{FFFD}".
        try assertDecodes([243, 162, 169, 156, 243], String(repeating: "\u{FFFD}", count: 5), String(repeating: "\u{FFFD}", count: 5))
        // A piece in between ends the run, so 🦙 survives.
        try assertDecodes([243, 162, 169, 156, 29871, 243], "🦙 \u{FFFD}", "🦙 \u{FFFD}")
    }

    func testOnlyTheFirstLeadingSpaceIsStripped() throws {
        try assertDecodes([29871, 29871], " ", " ")
        try assertDecodes([29871], "", "")
        try assertDecodes([1, 29871, 15043], " Hello", "<s>  Hello")
        try assertDecodes([13, 1, 13], "\n\n", "\n<s>\n")
    }

    func testEmptyAndUnknownIDs() throws {
        try assertDecodes([], "", "")
        try assertDecodes([40000, -5], "", "")
    }

    func testBytePieceNames() {
        XCTAssertEqual(ByteFallbackTable.pieceName(0x0A), "<0x0A>")
        XCTAssertEqual(ByteFallbackTable.pieceName(0xF0), "<0xF0>")
        XCTAssertEqual(TokenDecoder.byteValue(of: Array("<0x0A>".utf8)), 0x0A)
        XCTAssertEqual(TokenDecoder.byteValue(of: Array("<0xfe>".utf8)), 0xFE)
        XCTAssertEqual(TokenDecoder.byteValue(of: Array("<0x+A>".utf8)), 0x0A)  // as Rust's from_str_radix
        XCTAssertNil(TokenDecoder.byteValue(of: Array("<0xG0>".utf8)))
        XCTAssertNil(TokenDecoder.byteValue(of: Array("<0x0A".utf8)))
        XCTAssertNil(TokenDecoder.byteValue(of: Array("<0x0AA>".utf8)))
    }
}
