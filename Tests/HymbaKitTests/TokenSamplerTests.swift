import XCTest
@testable import HymbaKit

/// The sampler's definitions (docs/generation.md, "Sampling") on small hand-checked rows.
final class TokenSamplerTests: XCTestCase {
    func testGreedyTakesTheLowestIDAmongEqualMaxima() throws {
        var sampler = try TokenSampler(.greedy)
        XCTAssertEqual(sampler.next([0, 3, 1, 3]), 1)
    }

    func testTopKAndTopPKeepTheDefinedCandidates() {
        let logits: [Float] = [Float(log(0.1)), Float(log(0.4)), Float(log(0.2)), Float(log(0.3))]
        XCTAssertEqual(TokenSampler.candidates(logits, temperature: 1, topK: 2, topP: nil).map(\.id), [1, 3])
        // Sorted 0.4, 0.3, 0.2, 0.1: 0.4 + 0.3 = 0.7 ≥ 0.7 stops there; 0.71 needs the third.
        XCTAssertEqual(TokenSampler.candidates(logits, temperature: 1, topK: nil, topP: 0.7).map(\.id), [1, 3])
        XCTAssertEqual(TokenSampler.candidates(logits, temperature: 1, topK: nil, topP: 0.71).map(\.id), [1, 3, 2])
        XCTAssertEqual(TokenSampler.candidates(logits, temperature: 1, topK: nil, topP: 0.01).map(\.id), [1])
        // Temperature sharpens: p ∝ p₀^(1/T).
        let sharp = TokenSampler.candidates(logits, temperature: 0.5, topK: nil, topP: nil)
        XCTAssertEqual(sharp[1].p / sharp[0].p, (0.3 * 0.3) / (0.4 * 0.4), accuracy: 1e-6)
    }

    func testSamplesFollowTheDistributionAndTheSeed() throws {
        let logits: [Float] = [Float(log(0.1)), Float(log(0.4)), Float(log(0.2)), Float(log(0.3))]
        var sampler = try TokenSampler(.sample(temperature: 1, topK: nil, topP: nil, seed: 42))
        var counts = [0, 0, 0, 0]
        for _ in 0..<20_000 { counts[sampler.next(logits)] += 1 }
        for (i, p) in [0.1, 0.4, 0.2, 0.3].enumerated() {
            XCTAssertEqual(Double(counts[i]) / 20_000, p, accuracy: 0.015, "token \(i)")
        }
        var a = try TokenSampler(.sample(temperature: 0.7, topK: 3, topP: 0.9, seed: 5))
        var b = try TokenSampler(.sample(temperature: 0.7, topK: 3, topP: 0.9, seed: 5))
        XCTAssertEqual((0..<50).map { _ in a.next(logits) }, (0..<50).map { _ in b.next(logits) })
    }

    func testBadSettingsAreErrors() {
        XCTAssertThrowsError(try TokenSampler(.sample(temperature: 0, topK: nil, topP: nil, seed: 0)))
        XCTAssertThrowsError(try TokenSampler(.sample(temperature: .nan, topK: nil, topP: nil, seed: 0)))
        XCTAssertThrowsError(try TokenSampler(.sample(temperature: 1, topK: 0, topP: nil, seed: 0)))
        XCTAssertThrowsError(try TokenSampler(.sample(temperature: 1, topK: nil, topP: 0, seed: 0)))
        XCTAssertThrowsError(try TokenSampler(.sample(temperature: 1, topK: nil, topP: 1.01, seed: 0)))
    }

    /// Streaming hands out exactly the final text, holding back a character split over byte pieces.
    func testTextStreamHoldsBackSplitCharacters() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        var stream = TextStream(tokenizer: tokenizer)
        let ids = [15043, 243, 162, 169, 156, 29871, 243]     // "Hello", 🦙 as four byte pieces, " ", a stray byte
        var pieces: [String] = []
        for id in ids { pieces.append(stream.append(id)) }
        pieces.append(stream.finish())
        XCTAssertEqual(pieces.joined(), tokenizer.decode(ids))
        XCTAssertEqual(pieces[1], "")     // the first byte of 🦙 alone is held back
        XCTAssertEqual(pieces[4], "🦙")
        XCTAssertEqual(pieces.last, "\u{FFFD}")
    }
}
