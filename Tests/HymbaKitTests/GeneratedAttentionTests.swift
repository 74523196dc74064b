import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// `generate`'s `layers.{i}.attn_weights`: each generated token's attention over the whole context.
final class GeneratedAttentionTests: XCTestCase {
    /// While no sliding window is full, decode rows attend as prefill rows do, so every recorded
    /// row equals the matching row of a traced forward pass over the same sequence.
    func testRowsEqualTheTracedAttentionWhileNoWindowIsFull() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: FixtureFiles.bundledModel))   // W = 64
        let c = model.config, prompt = [1, 450, 8580, 24536, 1549], new = 6
        let result = try model.generate(prompt: prompt, maxNewTokens: new, sampler: TokenSampler(.greedy), stopToken: nil,
                                        attentionLayers: Array(0..<c.hiddenLayers))
        let recorder = model.makeRecorder(plan: try RecordingPlan("attn_probs", config: c))
        _ = try model.forward(ids: prompt + result.generatedIDs.dropLast(), recorder: recorder)
        let traced = Dictionary(uniqueKeysWithValues: recorder.tensors.map { ($0.name, $0.tensor) })
        let p = c.memoryTokens + prompt.count + new - 1
        XCTAssertEqual(result.recorded.count, c.hiddenLayers)
        for (name, tensor) in result.recorded {
            XCTAssertEqual(tensor.shape, [c.attentionHeads, new, p], name)
            let full = try XCTUnwrap(traced[name.replacingOccurrences(of: "attn_weights", with: "attn_probs")]).floats   // [H, P, P]
            let mine = tensor.floats
            var worst: Float = 0
            for h in 0..<c.attentionHeads {
                for k in 0..<new {
                    let t = c.memoryTokens + prompt.count - 1 + k
                    for u in 0..<p { worst = max(worst, abs(mine[(h * new + k) * p + u] - full[(h * p + t) * p + u])) }
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-5, name)
        }
    }

    /// Once the window is full, a decoded row of a sliding layer sees the meta keys and exactly
    /// W real keys (the decode rule), and its probabilities sum to 1.
    func testDecodeRowsSeeTheMetaKeysAndWRealKeys() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: FixtureFiles.parity.appendingPathComponent("tiny-f32")))
        let c = model.config, w = try XCTUnwrap(c.slidingWindow), prompt = [1, 17, 150, 3, 88, 42, 9, 120, 5, 77, 61], new = 5
        let sliding = try XCTUnwrap((0..<c.hiddenLayers).first { !c.isGlobal(layer: $0) })
        let result = try model.generate(prompt: prompt, maxNewTokens: new, sampler: TokenSampler(.greedy), stopToken: nil,
                                        attentionLayers: [sliding])
        let tensor = result.recorded[0].tensor, p = tensor.shape[2], m = c.memoryTokens
        for h in 0..<c.attentionHeads {
            for k in 1..<new {                  // decode rows (row 0 is the prompt's last row, prefill mask)
                let t = m + prompt.count - 1 + k
                let row = Array(tensor.floats[((h * new + k) * p)..<((h * new + k + 1) * p)])
                XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
                let visible = (0..<p).filter { row[$0] != 0 }
                XCTAssertEqual(visible, Array(0..<m) + Array((t - w + 1)...t), "head \(h) row \(k)")
            }
        }
    }
}
