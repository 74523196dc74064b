import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// BPE must stay O(n log n): with no pre-tokenizer, a document without spaces is one sequence,
/// and a naive "rescan for the best pair after every merge" would take minutes on it.
final class TokenizerScalingTests: XCTestCase {
    /// Deterministic letters (a small LCG), so runs are comparable.
    private func letters(count: Int, alphabet: String = "abcdefghijklmnopqrstuvwxyz") -> String {
        let scalars = Array(alphabet.unicodeScalars)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        var text = String.UnicodeScalarView()
        for _ in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            text.append(scalars[Int(state >> 33) % scalars.count])
        }
        return String(text)
    }

    /// The fastest of `tries` runs of `body`, in seconds: the minimum is what the code costs,
    /// whatever else the (shared, 2-core) machine happens to be doing during one of them.
    private func bestSeconds(of tries: Int, _ body: () -> Void) -> Double {
        (0..<tries).map { _ in
            let start = Date()
            body()
            return Date().timeIntervalSince(start)
        }.min()!
    }

    func testLongDocumentWithoutSpacesIsFast() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        let text = letters(count: 200_000)
        var ids: [Int] = []
        let elapsed = bestSeconds(of: 3) { ids = tokenizer.encode(text) }
        XCTAssertEqual(ids.first, 1)
        XCTAssertGreaterThan(ids.count, 40_000)
        XCTAssertEqual(tokenizer.decode(ids), text)
        // Generous for a debug build on a loaded 2-core machine; quadratic would take minutes.
        XCTAssertLessThan(elapsed, 1.0, "200 KB without spaces took \(elapsed) s")
    }

    func testRepeatedPatternWithoutSpacesIsFast() throws {
        // Long runs of one merge (ab ab ab ...) stress ties broken by position.
        let tokenizer = try TokenizerFixtures.hymba()
        let text = String(repeating: "ab", count: 100_000)
        var ids: [Int] = []
        let elapsed = bestSeconds(of: 3) { ids = tokenizer.encode(text, addSpecialTokens: false) }
        XCTAssertEqual(tokenizer.decode(ids), text)
        XCTAssertLessThan(elapsed, 1.0, "200 KB of \"abab...\" took \(elapsed) s")
    }

    func testTimeGrowsRoughlyLinearly() throws {
        // Doubling the input twice should cost about 4×, nowhere near 16×.
        let tokenizer = try TokenizerFixtures.hymba()
        // Small and large runs alternate and each side keeps its fastest of seven: when other
        // builds load the 2-core machine for a while, both sides see it, instead of the small
        // runs landing in a quiet second and the large ones in a busy one (which once swung the
        // ratio past the bound).
        let small = letters(count: 100_000, alphabet: "etaoinshrdlu")
        let large = letters(count: 400_000, alphabet: "etaoinshrdlu")
        _ = tokenizer.encode(small)  // warm up
        var smallSeconds = Double.infinity, largeSeconds = Double.infinity
        for _ in 0..<7 {
            smallSeconds = min(smallSeconds, bestSeconds(of: 1) { _ = tokenizer.encode(small) })
            largeSeconds = min(largeSeconds, bestSeconds(of: 1) { _ = tokenizer.encode(large) })
        }
        let ratio = largeSeconds / max(smallSeconds, 1e-4)
        XCTAssertLessThan(ratio, 10, "4× the text took \(ratio)× the time")
    }
}

/// Cutting a sequence into words (`WordBoundary`) and caching must never change a token.
final class TokenizerChunkingTests: XCTestCase {
    private func prose() throws -> String {
        var text = ""
        for name in ["article.txt", "code.txt", "math.txt"] {
            text += try readUTF8TextFile(FixtureFiles.required(FixtureFiles.domains.appendingPathComponent(name)))
        }
        return text + "  trailing\u{00A0}nbsp ▁▁literal▁meta ▁ 🦙🦙 a\u{0301} \t\r\n end   "
    }

    /// BPE over the whole normalized text at once, with no cutting and no cache.
    private func uncutIDs(_ tokenizer: Tokenizer, model: BPEModel, _ text: String) -> [Int] {
        var normalized = Array(("▁" + text).replacingOccurrences(of: " ", with: "▁").utf8)
        var ids: [Int] = []
        normalized.withUnsafeMutableBufferPointer { buffer in
            model.tokenizeChunk(UnsafeBufferPointer(buffer), workspace: BPEWorkspace(), into: &ids)
        }
        return ids
    }

    func testHymbaMergesAllowCutting() throws {
        let data = try Data(contentsOf: TokenizerFixtures.directory.appendingPathComponent("tokenizer.json"))
        let root = try JSONNode.parse([UInt8](data), file: "tokenizer.json")
        XCTAssertTrue(try BPEModel(node: root.required("model")).splitsAtWordBoundaries)
    }

    func testCutAndCachedEncodingEqualsWholeSequenceBPE() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        let data = try Data(contentsOf: TokenizerFixtures.directory.appendingPathComponent("tokenizer.json"))
        let model = try BPEModel(node: JSONNode.parse([UInt8](data), file: "tokenizer.json").required("model"))
        let text = try prose()
        XCTAssertFalse(text.contains("<s>") || text.contains("</s>") || text.contains("<unk>") || text.contains("[PAD]"))
        XCTAssertEqual(tokenizer.encode(text, addSpecialTokens: false), uncutIDs(tokenizer, model: model, text))
    }

    func testCutPositions() {
        func cuts(_ text: String) -> [Int] {
            var result: [Int] = []
            var bytes = Array(text.utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                WordBoundary.forEachCut(in: UnsafeBufferPointer(buffer)) { result.append($0) }
            }
            return result
        }
        XCTAssertEqual(cuts("▁the▁cat"), [6])
        XCTAssertEqual(cuts("▁the▁▁▁cat"), [6])
        XCTAssertEqual(cuts("x▁"), [1])
        XCTAssertEqual(cuts("▁▁▁"), [])
        XCTAssertEqual(cuts(""), [])
    }

    func testAMergeAcrossWordStartsDisablesCutting() throws {
        // A rule joining "e" with "▁t" would make cutting before "▁" wrong; it must be noticed.
        let json = TinyTokenizer.json(vocab: ["<unk>": 0, "▁": 1, "e": 2, "t": 3, "▁t": 4, "e▁t": 5],
                                      merges: ["▁ t", "e ▁t"])
        let root = try JSONNode.parse(Array(json.utf8), file: "tokenizer.json")
        let model = try BPEModel(node: root.required("model"))
        XCTAssertFalse(model.splitsAtWordBoundaries)
        let tokenizer = try Tokenizer(tokenizerJSON: Data(json.utf8), tokenizerConfigJSON: nil)
        XCTAssertEqual(tokenizer.tokenStrings(tokenizer.encode("e te t", addSpecialTokens: false)), ["▁", "e▁t", "e▁t"])
    }
}
