import XCTest
@testable import HymbaKit

/// The JSON reader keeps what `JSONSerialization` would lose and rejects what it should.
final class TokenizerJSONTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONValue(parsing: Array(text.utf8))
    }

    private func members(_ text: String) throws -> [JSONMember] {
        guard case let .object(members) = try parse(text) else { throw JSONParseError(offset: 0, reason: "not an object") }
        return members
    }

    func testCanonicallyEquivalentKeysStaySeparate() throws {
        // "ά" U+03AC and "ά" U+1F71 are equal as Swift Strings but distinct vocabulary pieces.
        let keys = try members("{\"\u{03AC}\": 1, \"\u{1F71}\": 2}").map { Array($0.key.unicodeScalars) }
        XCTAssertEqual(keys, [["\u{03AC}"], ["\u{1F71}"]])
    }

    func testEscapesAndSurrogatePairs() throws {
        guard case let .string(text) = try parse(#""a\"b\\c\/d\n\t\u00e9\ud83e\udd99\u2581""#) else { return XCTFail("not a string") }
        XCTAssertEqual(Array(text.unicodeScalars), Array("a\"b\\c/d\n\té🦙▁".unicodeScalars))
    }

    func testNumbers() throws {
        guard case .integer(-42)? = try? parse("-42") else { return XCTFail("integer") }
        guard case .double(0.5)? = try? parse("5e-1") else { return XCTFail("exponent") }
        // Too large for Int: kept as its digits rather than refused (tokenizer_config.json has
        // one), so a chat file can say it is beyond 64 bits instead of rounding it; a typed read
        // as a number still works.
        guard case .largeInteger("1000000000000000019884624838656")? = try? parse("1000000000000000019884624838656") else {
            return XCTFail("huge")
        }
        let node = try JSONNode.parse(Array("{\"n\": -1000000000000000019884624838656}".utf8), file: "t.json")
        XCTAssertEqual(try node.required("n").double(), -1e30)
    }

    func testMalformedDocumentsAreRefusedWithOffsets() {
        let cases: [(String, Int)] = [
            ("", 0), ("{", 1), ("[1,]", 3), ("{\"a\" 1}", 5), ("01", 1), ("tru", 0),
            ("\"\\ud800\"", 1), ("\"\\udc00\"", 1), ("\"a\nb\"", 2), ("\"\\x\"", 1), ("\"\\u12\"", 1), ("1 2", 2),
        ]
        for (text, offset) in cases {
            XCTAssertThrowsError(try parse(text), String(reflecting: text)) { error in
                XCTAssertEqual((error as? JSONParseError)?.offset, offset, String(reflecting: text))
            }
        }
    }

    func testDuplicateMembersAreKeptInOrder() throws {
        XCTAssertEqual(try members(#"{"a": 1, "a": 2}"#).count, 2)
    }
}
