import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// Where the tokenizer fixtures live and the Hymba tokenizer loaded once from them.
enum TokenizerFixtures {
    /// `Tests/Fixtures/tokenizer`: the real Hymba tokenizer files and the HF golden encodings.
    static let directory: URL = FixtureFiles.tokenizer

    private static let loaded = Result { try Tokenizer(directory: directory) }

    static func hymba() throws -> Tokenizer {
        try loaded.get()
    }

    struct GoldenCase: Decodable {
        let text: String
        let ids: [Int]
        let tokens: [String]
        let decoded: String
        let decodedWithSpecial: String

        enum CodingKeys: String, CodingKey {
            case text, ids, tokens, decoded
            case decodedWithSpecial = "decoded_with_special"
        }
    }

    static func goldenCases() throws -> [GoldenCase] {
        let data = try Data(contentsOf: FixtureFiles.required(directory.appendingPathComponent("golden.json")))
        return try JSONDecoder().decode([GoldenCase].self, from: data)
    }
}

/// A lock-protected count for the concurrency test.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

/// `String ==` is canonical equivalence ("é" == "e\u{301}"); tokenizer output must match
/// scalar for scalar, so compare the scalars.
func assertSameScalars(_ actual: String, _ expected: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(Array(actual.unicodeScalars), Array(expected.unicodeScalars), message, file: file, line: line)
}

func assertSameScalars(_ actual: [String], _ expected: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.map { Array($0.unicodeScalars) }, expected.map { Array($0.unicodeScalars) }, message, file: file, line: line)
}

/// Every case of golden.json (produced by Hugging Face `tokenizers` 0.20.3), exactly.
final class TokenizerGoldenTests: XCTestCase {
    func testGoldenFileHasAllCases() throws {
        XCTAssertEqual(try TokenizerFixtures.goldenCases().count, 40)
    }

    func testEncodeMatchesGoldenIDs() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        for golden in try TokenizerFixtures.goldenCases() {
            XCTAssertEqual(tokenizer.encode(golden.text), golden.ids, "ids for \(String(reflecting: golden.text))")
        }
    }

    func testTokenStringsMatchGolden() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        for golden in try TokenizerFixtures.goldenCases() {
            assertSameScalars(tokenizer.tokenStrings(golden.ids), golden.tokens, "tokens for \(String(reflecting: golden.text))")
        }
    }

    func testDecodeMatchesGolden() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        for golden in try TokenizerFixtures.goldenCases() {
            assertSameScalars(tokenizer.decode(golden.ids), golden.decoded,
                              "decoded for \(String(reflecting: golden.text))")
            assertSameScalars(tokenizer.decode(golden.ids, skipSpecialTokens: false), golden.decodedWithSpecial,
                              "decoded_with_special for \(String(reflecting: golden.text))")
        }
    }

    func testVocabularyShape() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        XCTAssertEqual(tokenizer.vocabularySize, 32001)
        XCTAssertEqual(tokenizer.bosTokenID, 1)
        XCTAssertEqual((0..<5).map(tokenizer.isSpecial), [true, true, true, false, false])
        XCTAssertTrue(tokenizer.isSpecial(32000))
        XCTAssertFalse(tokenizer.isSpecial(-1))
        XCTAssertFalse(tokenizer.isSpecial(32001))
    }
}

/// The behaviours the fixture README singles out, each on its own so a failure names it.
final class TokenizerBehaviourTests: XCTestCase {
    func testEmptyStringIsJustBOS() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        XCTAssertEqual(tokenizer.encode(""), [1])
        XCTAssertEqual(tokenizer.encode("", addSpecialTokens: false), [])
    }

    func testAddSpecialTokensFalseOmitsBOS() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        XCTAssertEqual(tokenizer.encode("Hello world", addSpecialTokens: false), [15043, 3186])
    }

    func testSpecialTokensInTextSplitBeforeNormalization() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        let ids = tokenizer.encode("before <s> middle </s> after")
        XCTAssertEqual(tokenizer.tokenStrings(ids),
                       ["<s>", "▁before", "▁", "<s>", "▁", "▁middle", "▁", "</s>", "▁", "▁after"])
        XCTAssertEqual(tokenizer.encode("[PAD]<unk></s>", addSpecialTokens: false), [32000, 0, 2])
        // Each piece between specials gets its own "▁": "a" after "</s>" is "▁a", not "a".
        XCTAssertEqual(tokenizer.encode("</s>a", addSpecialTokens: false), tokenizer.encode("</s>", addSpecialTokens: false) + tokenizer.encode("a", addSpecialTokens: false))
    }

    func testNearMissesOfSpecialTokensAreText() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        for text in ["<s", "s>", "< s>", "<S>", "[pad]", "<unk", "</s"] {
            let ids = tokenizer.encode(text, addSpecialTokens: false)
            XCTAssertFalse(ids.contains { tokenizer.isSpecial($0) }, "\(text) → \(tokenizer.tokenStrings(ids))")
        }
    }

    func testByteFallbackForCharactersOutsideTheVocabulary() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        XCTAssertEqual(tokenizer.tokenStrings(tokenizer.encode("🦙", addSpecialTokens: false)),
                       ["▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"])
        assertSameScalars(tokenizer.decode(tokenizer.encode("🦙")), "🦙", "byte fallback round trip")
    }

    func testCanonicallyEquivalentPiecesStayDistinct() throws {
        // U+03AC and U+1F71 are canonically equivalent but distinct pieces; a String-keyed
        // vocabulary would conflate them.
        let tokenizer = try TokenizerFixtures.hymba()
        let tonos = tokenizer.encode("\u{03AC}", addSpecialTokens: false)
        let oxia = tokenizer.encode("\u{1F71}", addSpecialTokens: false)
        XCTAssertNotEqual(tonos, oxia)
        assertSameScalars(tokenizer.decode(tonos), "\u{03AC}", "tonos")
        assertSameScalars(tokenizer.decode(oxia), "\u{1F71}", "oxia")
    }

    func testWhitespaceVariantsRoundTrip() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        for text in ["a\r\nb", "\tx\t", "  two  ", "\u{00A0}nbsp", "e\u{0301}", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "x\n\n\ny"] {
            assertSameScalars(tokenizer.decode(tokenizer.encode(text)), text, "round trip of \(String(reflecting: text))")
        }
    }

    func testCleanUpTokenizationSpacesFromConfig() throws {
        let json = try Data(contentsOf: TokenizerFixtures.directory.appendingPathComponent("tokenizer.json"))
        let text = "Hello , world ! It 's here ."
        let plain = try Tokenizer(tokenizerJSON: json, tokenizerConfigJSON: Data(#"{"clean_up_tokenization_spaces": false}"#.utf8))
        XCTAssertEqual(plain.decode(plain.encode(text)), text)
        let cleaning = try Tokenizer(tokenizerJSON: json, tokenizerConfigJSON: Data(#"{"clean_up_tokenization_spaces": true}"#.utf8))
        XCTAssertEqual(cleaning.decode(cleaning.encode(text)), "Hello, world! It's here.")
    }

    func testConcurrentEncodingGivesTheSameIDs() throws {
        // encode keeps all scratch state per call, so one tokenizer serves many threads.
        let tokenizer = try TokenizerFixtures.hymba()
        let texts = try TokenizerFixtures.goldenCases().map(\.text)
        let expected = texts.map { tokenizer.encode($0) }
        let mismatches = ManagedCounter()
        DispatchQueue.concurrentPerform(iterations: 64) { round in
            for (index, text) in texts.enumerated() where (index + round) % 2 == 0 {
                if tokenizer.encode(text) != expected[index] { mismatches.increment() }
            }
        }
        XCTAssertEqual(mismatches.value, 0)
    }

    func testTokenStringsForUnknownIDsAreEmpty() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        XCTAssertEqual(tokenizer.tokenStrings([-1, 32001, 15043]), ["", "", "▁Hello"])
    }
}
