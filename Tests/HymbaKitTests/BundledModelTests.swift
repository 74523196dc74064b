import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// The bundled trained model against the reference measurements in its MODEL_CARD
/// (`attention_mass.json`): held-out losses per domain and the attention mass per layer.
/// The card evaluates each passage as BOS + passage cut to the model's training length
/// (`seq_length` = 256 tokens) and pools losses token-weighted; we match it to ~3e-6.
/// The eval texts are third-party excerpts: they are read from the upstream copy of the model
/// folder (`../shared/models/hymba-tiny/eval`) where this machine has it, never copied into the
/// repository, and the test is skipped without them.
final class BundledModelTests: XCTestCase {
    /// The upstream model folder's eval texts, or a skip saying where they would be.
    private func evalFolder() throws -> URL {
        let folder = FixtureFiles.upstream?.appendingPathComponent("models/hymba-tiny/eval")
        guard let folder, FileManager.default.fileExists(atPath: folder.path) else {
            throw XCTSkip("the model card's eval texts (third-party excerpts, not in the repository) are in ../shared/models/hymba-tiny/eval, which this machine lacks")
        }
        return folder
    }

    struct Measured {
        var lossSum = 0.0, lossCount = 0
        var mass = [[Double]](repeating: [0, 0, 0], count: 6), massRows = 0
    }

    func testLossesAndAttentionMassMatchTheModelCard() throws {
        let reference = try JSONSerialization.jsonObject(
            with: Data(contentsOf: FixtureFiles.required(Fixtures.bundledModel.appendingPathComponent("attention_mass.json")))) as! [String: Any]
        let eval = try evalFolder()
        let losses = reference["eval_loss"] as! [String: Double]
        let massPerLayer = reference["attention_mass_per_layer"] as! [String: [[Double]]]

        let model = try HymbaModel(checkpoint: Checkpoint(directory: Fixtures.bundledModel))
        let tokenizer = try Tokenizer(directory: Fixtures.bundledModel)
        let plan = try RecordingPlan("attn_probs", config: model.config)
        var pooled = Measured()
        for domain in ["prose", "code", "math"] {
            let set = try PromptSet(contentsOf: eval.appendingPathComponent("\(domain).txt"))
            XCTAssertEqual(set.passages.count, 20, domain)
            var measured = Measured()
            for passage in set.passages {
                let ids = Array(tokenizer.encode(passage).prefix(256))
                let recorder = model.makeRecorder(plan: plan)
                let logits = try model.forward(ids: ids, recorder: recorder)
                let losses = NextTokenLoss.perToken(logits: logits, ids: ids)
                measured.lossSum += losses.reduce(0, +)
                measured.lossCount += losses.count
                try accumulateMass(recorder, metaCount: model.config.memoryTokens, into: &measured)
            }
            let loss = measured.lossSum / Double(measured.lossCount)
            print("hymba-tiny \(domain): eval loss \(loss) (card \(losses[domain]!))")
            XCTAssertEqual(loss, losses[domain]!, accuracy: 1e-4, "eval loss, \(domain)")
            for layer in 0..<6 {
                for k in 0..<3 {
                    XCTAssertEqual(measured.mass[layer][k] / Double(measured.massRows), massPerLayer[domain]![layer][k],
                                   accuracy: 1e-4, "\(domain) layer \(layer) column \(k)")
                }
            }
            pooled.massRows += measured.massRows
            for layer in 0..<6 { for k in 0..<3 { pooled.mass[layer][k] += measured.mass[layer][k] } }
        }
        for layer in 0..<6 {
            let row = pooled.mass[layer].map { String(format: "%.3f", $0 / Double(pooled.massRows)) }
            print("hymba-tiny layer \(layer) meta/BOS/other: \(row.joined(separator: " / "))")
        }
    }

    /// The card's definition: real-token query rows after the BOS, all heads averaged; columns
    /// meta / BOS / everything else.
    private func accumulateMass(_ recorder: Recorder, metaCount m: Int, into measured: inout Measured) throws {
        for (name, tensor) in recorder.tensors {
            let layer = Int(name.split(separator: ".")[1])!
            let heads = tensor.shape[0], rows = tensor.shape[1]
            guard case .float32(let values) = tensor.values else { return XCTFail("maps are fp32") }
            // Raw pointers: this loop runs ~100M times and test code is built without optimisation.
            let (meta, bos) = values.withUnsafeBufferPointer { p -> (Double, Double) in
                var meta = 0.0, bos = 0.0
                for h in 0..<heads {
                    for t in (m + 1)..<rows {
                        let row = p.baseAddress! + (h * rows + t) * rows
                        var rowMeta: Float = 0
                        for u in 0..<m { rowMeta += row[u] }
                        meta += Double(rowMeta)
                        bos += Double(row[m])
                    }
                }
                return (meta, bos)
            }
            let queries = Double((rows - m - 1) * heads)
            measured.mass[layer][0] += meta / Double(heads)
            measured.mass[layer][1] += bos / Double(heads)
            measured.mass[layer][2] += (queries - meta - bos) / Double(heads)
            if layer == 0 { measured.massRows += rows - m - 1 }
        }
    }
}
