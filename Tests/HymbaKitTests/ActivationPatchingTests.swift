import Foundation
import XCTest
@testable import HymbaKit

/// Activation patching on cases whose answer is known without running it.
final class ActivationPatchingTests: XCTestCase {
    /// Clean and corrupted prompts that agree except at `differing`.
    private struct Case {
        let model: HymbaModel
        let clean: [Int]
        let corrupt: [Int]
        let differing: Int
        let answer: Int
        let wrong: Int
    }

    private func cases() throws -> [Case] {
        try Fixtures.parityFixtures.map { fixture in
            let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
            let clean = Array(try Fixtures.prompts(of: fixture)[0].ids.prefix(10)), differing = 6
            var corrupt = clean
            corrupt[differing] = (clean[differing] + 1) % model.config.vocabSize
            let logits = try model.forward(ids: clean, logitRows: .last).row(0)
            let order = logits.indices.sorted { logits[$0] > logits[$1] }
            return Case(model: model, clean: clean, corrupt: corrupt, differing: differing, answer: order[0], wrong: order[1])
        }
    }

    /// The residual stream after the last layer at the last position is everything the logits
    /// read: patching it recovers exactly 1. Before the first differing token the two runs are
    /// the same (causality), so patching any site there — residual, branch, head — recovers 0.
    func testKnownAnswers() throws {
        for c in try cases() {
            let result = try ActivationPatching.run(model: c.model, clean: c.clean, corrupt: c.corrupt,
                                                    answer: c.answer, wrong: c.wrong, heads: true)
            let last = c.model.config.hiddenLayers - 1, n = c.clean.count, heads = c.model.config.attentionHeads
            XCTAssertEqual(result.positions, Array(0..<n))
            XCTAssertEqual(result.maps.count, 3 + 2 * heads)
            XCTAssertNotEqual(result.cleanDifference, result.corruptDifference)
            XCTAssertEqual(try XCTUnwrap(result.map(.residual)).values[last][n - 1], 1)
            for map in result.maps {
                XCTAssertEqual(map.values.count, c.model.config.hiddenLayers)
                for layer in 0..<c.model.config.hiddenLayers {
                    for p in 0..<c.differing {
                        XCTAssertEqual(map.values[layer][p], 0, accuracy: 1e-6, "\(map.site) layer \(layer) position \(p)")
                    }
                    XCTAssertTrue(map.values[layer].allSatisfy(\.isFinite))
                }
            }
            // After the last layer only the last row reaches the answer's logits.
            for p in 0..<(n - 1) { XCTAssertEqual(result.map(.residual)!.values[last][p], 0, "position \(p)") }
        }
    }

    /// Chosen positions only; the same values as in the full run.
    func testPositionSubset() throws {
        let c = try XCTUnwrap(cases().first)
        let full = try ActivationPatching.run(model: c.model, clean: c.clean, corrupt: c.corrupt, answer: c.answer, wrong: c.wrong)
        let some = try ActivationPatching.run(model: c.model, clean: c.clean, corrupt: c.corrupt, answer: c.answer, wrong: c.wrong,
                                              positions: [9, c.differing])
        XCTAssertEqual(some.maps.count, 3)
        for (a, b) in zip(full.maps, some.maps) {
            for layer in 0..<full.layers {
                XCTAssertEqual(b.values[layer][0], a.values[layer][9], accuracy: 1e-9)
                XCTAssertEqual(b.values[layer][1], a.values[layer][c.differing], accuracy: 1e-9)
            }
        }
    }

    func testBadRequestsAreNamed() throws {
        let c = try XCTUnwrap(cases().first)
        XCTAssertThrowsError(try ActivationPatching.run(model: c.model, clean: c.clean, corrupt: Array(c.corrupt.dropLast()),
                                                        answer: c.answer, wrong: c.wrong)) {
            XCTAssertEqual($0 as? PatchingError, .lengthMismatch(clean: 10, corrupt: 9))
            XCTAssertTrue("\($0)".contains("10") && "\($0)".contains("9"))
        }
        XCTAssertThrowsError(try ActivationPatching.run(model: c.model, clean: c.clean, corrupt: c.clean,
                                                        answer: c.answer, wrong: c.wrong)) {
            guard case .nothingToRecover? = $0 as? PatchingError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try ActivationPatching.run(model: c.model, clean: c.clean, corrupt: c.corrupt,
                                                        answer: c.answer, wrong: c.answer))
        XCTAssertThrowsError(try ActivationPatching.run(model: c.model, clean: c.clean, corrupt: c.corrupt,
                                                        answer: c.answer, wrong: c.wrong, positions: [10])) {
            XCTAssertEqual($0 as? PatchingError, .positionOutOfRange(10, tokens: 10))
        }
    }
}
