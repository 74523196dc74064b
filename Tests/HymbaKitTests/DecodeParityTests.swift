import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// Cached greedy generation against the reference's own `generate` (Tests/Fixtures/decode):
/// identical generated ids, and every step's logits within the parity criterion
/// (max|diff| ≤ 2e-4 · max(1, max|golden|) per step, the fixture README's rule).
final class DecodeParityTests: XCTestCase {
    struct Case {
        let name: String
        let checkpoint: URL
        let promptIDs: [Int]
        let generatedIDs: [Int]
        let stepLogits: [Float]   // (new, vocab)
    }

    static func cases() throws -> [Case] {
        let checkpoints = ["tiny-bf16": FixtureFiles.parity.appendingPathComponent("tiny-bf16"),
                           "tiny-f32": FixtureFiles.parity.appendingPathComponent("tiny-f32"),
                           "hymba-tiny": FixtureFiles.bundledModel]
        return try checkpoints.keys.sorted().map { name in
            let folder = FixtureFiles.decode.appendingPathComponent(name)
            let json = try JSONSerialization.jsonObject(
                with: Data(contentsOf: FixtureFiles.required(folder.appendingPathComponent("decode.json")))) as! [String: Any]
            let logits = try SafeTensorsFile(path: FixtureFiles.required(folder.appendingPathComponent("decode.safetensors")).path)
            return Case(name: name, checkpoint: checkpoints[name]!, promptIDs: json["prompt_ids"] as! [Int],
                        generatedIDs: json["generated_ids"] as! [Int], stepLogits: try logits.floats("step_logits"))
        }
    }

    func testGreedyDecodeMatchesTheReferenceGenerate() throws {
        let cases = try Self.cases()
        XCTAssertEqual(cases.count, 3)
        for item in cases {
            let model = try HymbaModel(checkpoint: Checkpoint(directory: item.checkpoint))
            let vocab = model.config.vocabSize
            XCTAssertEqual(item.stepLogits.count, item.generatedIDs.count * vocab, item.name)
            var (logits, state) = try model.prefill(ids: item.promptIDs)
            var generated: [Int] = [], worst: Float = 0
            for step in 0..<item.generatedIDs.count {
                let golden = Array(item.stepLogits[(step * vocab)..<((step + 1) * vocab)])
                let error = Parity.scaledError(logits, golden)
                worst = max(worst, error)
                XCTAssertLessThanOrEqual(error, Parity.relativeTolerance, "\(item.name) step \(step)")
                let next = logits.indices.max { logits[$0] < logits[$1] }!
                generated.append(next)
                if step + 1 < item.generatedIDs.count {
                    // Feed the reference's token so one divergence does not cascade into every later step.
                    logits = try model.decode(token: item.generatedIDs[step], state: &state)
                }
            }
            XCTAssertEqual(generated, item.generatedIDs, item.name)
            XCTAssertEqual(state.tokens, item.promptIDs.count + item.generatedIDs.count - 1, item.name)
            print("decode parity \(item.name): \(generated.count) steps, worst scaled logit error \(worst)")
        }
    }

    /// Prefill's last row equals the plain forward pass's (the prompt rows use the prefill mask).
    func testPrefillLogitsEqualTheForwardPass() throws {
        for item in try Self.cases() {
            let model = try HymbaModel(checkpoint: Checkpoint(directory: item.checkpoint))
            let forward = try model.forward(ids: item.promptIDs, logitRows: .last)
            let (logits, state) = try model.prefill(ids: item.promptIDs)
            XCTAssertLessThanOrEqual(Parity.scaledError(logits, forward.storage), 1e-5, item.name)
            XCTAssertEqual(state.position, model.config.memoryTokens + item.promptIDs.count)
        }
    }

    /// With every layer global the decode mask is the prefill mask, so decoding token by token
    /// equals one forward pass over the whole sequence (the cached state is exact).
    func testDecodeEqualsPrefillWhenNoWindowIsFull() throws {
        let item = try Self.cases().first { $0.name == "tiny-f32" }!
        let model = try HymbaModel(checkpoint: Checkpoint(directory: item.checkpoint))
        // Short enough that no sliding window (W = 6) fills: prefill and decode see the same keys.
        let prompt = Array(item.promptIDs.prefix(2)), next = [5, 9, 17]
        var (_, state) = try model.prefill(ids: prompt)
        var last: [Float] = []
        for token in next { last = try model.decode(token: token, state: &state) }
        let full = try model.forward(ids: prompt + next, logitRows: .last)
        XCTAssertLessThanOrEqual(Parity.scaledError(last, full.storage), 1e-5)
    }

    /// Once a sliding window is full, re-running prefill over the whole sequence is *not* what
    /// the reference's generate computes: its last step's logits miss the golden by far more
    /// than the tolerance, while the decode path meets it (the decode mask is what matches).
    func testPrefillSemanticsWouldMissTheGoldensOnceTheWindowIsFull() throws {
        for item in try Self.cases() where item.name != "hymba-tiny" {     // hymba-tiny's W = 64 never fills
            let model = try HymbaModel(checkpoint: Checkpoint(directory: item.checkpoint))
            let vocab = model.config.vocabSize, last = item.generatedIDs.count - 1
            let golden = Array(item.stepLogits[(last * vocab)..<((last + 1) * vocab)])
            let rerun = try model.forward(ids: item.promptIDs + item.generatedIDs.prefix(last), logitRows: .last)
            let error = Parity.scaledError(rerun.storage, golden)
            XCTAssertGreaterThan(error, 100 * Parity.relativeTolerance, item.name)
            print("prefill semantics vs decode golden \(item.name), last step: scaled error \(error)")
        }
    }

    func testDecodeRejectsBadTokensAndFullPositions() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: FixtureFiles.parity.appendingPathComponent("tiny-f32")))
        var (_, state) = try model.prefill(ids: [1, 2])
        XCTAssertThrowsError(try model.decode(token: model.config.vocabSize, state: &state))
        XCTAssertThrowsError(try model.validateGeneration(promptTokens: 10, newTokens: model.config.maxPositionEmbeddings)) { error in
            XCTAssertTrue("\(error)".contains("max_position_embeddings"), "\(error)")
        }
        XCTAssertNoThrow(try model.validateGeneration(promptTokens: 10, newTokens: 5))
    }
}
