import XCTest
@testable import HymbaPlot

final class GlyphCoverageTests: XCTestCase {
    /// DejaVu covers Latin, accents, Greek and the SentencePiece space; an unassigned code point
    /// has a glyph in no font, so it is reported once, however often it occurs.
    func testReportsOnlyCharactersNoFontDraws() {
        XCTAssertEqual(GlyphCoverage.missingCharacters(in: ["▁The", "café", "αβγ", "<0x0A>", "m31", ""]), [])
        let unassigned: Character = "\u{0378}"
        XCTAssertEqual(GlyphCoverage.missingCharacters(in: ["a\u{0378}b", "\u{0378}", "ok"]), [unassigned])
    }
}
