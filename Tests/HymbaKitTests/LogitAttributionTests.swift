import Foundation
import XCTest
@testable import HymbaKit

/// The `logit_lens` hook point and the direct logit attribution against the parity goldens:
/// residual streams and branch outputs from the reference, weights straight from the fixture's
/// safetensors, every product recomputed here in Double.
final class LogitAttributionTests: XCTestCase {
    private struct Case {
        let name: String
        let model: HymbaModel
        let golden: SafeTensorsFile
        let weights: SafeTensorsFile
        let ids: [Int]
        var config: HymbaConfig { model.config }

        func golden(_ key: String) throws -> [Float] { try golden.floats(key) }
        func weight(_ key: String) throws -> [Float] { try weights.floats(key) }
    }

    private func cases() throws -> [Case] {
        var out: [Case] = []
        for fixture in Fixtures.parityFixtures {
            let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
            let weights = try SafeTensorsFile(path: fixture.appendingPathComponent("model.safetensors").path)
            for prompt in try Fixtures.prompts(of: fixture) {
                out.append(Case(name: "\(fixture.lastPathComponent)/\(prompt.file.lastPathComponent)", model: model,
                                golden: try SafeTensorsFile(path: prompt.file.path), weights: weights, ids: prompt.ids))
            }
        }
        XCTAssertGreaterThanOrEqual(out.count, 3, "tiny-bf16 (two prompts) and tiny-f32")
        return out
    }

    private func record(_ plan: String, _ c: Case, target: Int? = nil) throws -> [String: Tensor] {
        let recorder = c.model.makeRecorder(plan: try RecordingPlan(plan, config: c.config))
        recorder.attributionTarget = target
        _ = try c.model.forward(ids: c.ids, recorder: recorder)
        return Dictionary(uniqueKeysWithValues: recorder.tensors.map { ($0.name, $0.tensor) })
    }

    // MARK: layers.{i}.logit_lens

    /// The last layer's lens is the golden logits at the parity criterion; every earlier layer is
    /// the lens read from the golden residual `layers.{i}.hidden` (real rows).
    func testLogitLensHookMatchesTheGoldens() throws {
        for c in try cases() {
            let recorded = try record("logit_lens,logits", c)
            let m = c.config.memoryTokens, n = c.ids.count, vocab = c.config.vocabSize
            let lens = LogitLens(model: c.model)
            let last = c.config.hiddenLayers - 1
            XCTAssertEqual(recorded["layers.\(last).logit_lens"]?.floats, recorded["logits"]?.floats,
                           "\(c.name): the last layer's lens is the model's own readout")
            for layer in 0..<c.config.hiddenLayers {
                let tensor = try XCTUnwrap(recorded["layers.\(layer).logit_lens"], c.name)
                XCTAssertEqual(tensor.shape, [n, vocab])
                let hidden = Matrix(rows: m + n, cols: c.config.hiddenSize, storage: try c.golden("layers.\(layer).hidden"))
                let expected = layer == last ? try c.golden("logits") : lens.logits(of: hidden, rows: m..<(m + n)).storage
                XCTAssertLessThanOrEqual(Parity.scaledError(tensor.floats, expected), Parity.relativeTolerance, "\(c.name) layer \(layer)")
            }
        }
    }

    func testLogitLensSizeIsCountedAndMetaRowsAreNotRecorded() throws {
        let c = try XCTUnwrap(cases().first)
        let plan = try RecordingPlan("logit_lens@0", config: c.config)
        XCTAssertEqual(RecordingSize.bytes(of: plan, config: c.config, tokens: 7), 7 * c.config.vocabSize * 4)
        XCTAssertThrowsError(try RecordingSize.check(plan, config: c.config, tokens: 7, available: 100))
        XCTAssertNil(plan.metaRowsPlan().points[.logitLens])
    }

    // MARK: Direct logit attribution

    private static let attributionPlan = "embed_dla,attn_dla,ssm_dla,mlp_dla,dla_target,logits"

    /// embed + Σ attention heads + Σ SSM heads + Σ MLPs = the target's logit, at every real row
    /// (the model has no biases, so there is no other term). Float sums of ~2L(H+1) terms:
    /// within 1e-4 · max(1, |logit|).
    func testAttributionSumsToTheTargetLogit() throws {
        for c in try cases() {
            let recorded = try record(Self.attributionPlan, c)
            let n = c.ids.count, heads = c.config.attentionHeads, vocab = c.config.vocabSize
            let logits = try XCTUnwrap(recorded["logits"]).floats
            let targets = try XCTUnwrap(recorded["dla_target"]).floats
            XCTAssertEqual(targets.count, n)
            for t in 0..<(n - 1) { XCTAssertEqual(Int(targets[t]), c.ids[t + 1], "the next token") }
            let lastRow = Array(logits[((n - 1) * vocab)..<(n * vocab)])
            XCTAssertEqual(Int(targets[n - 1]), lastRow.firstIndex(of: lastRow.max()!)!, "the top prediction at the last row")
            for t in 0..<n {
                var sum = Double(try XCTUnwrap(recorded["embed_dla"]).floats[t])
                for layer in 0..<c.config.hiddenLayers {
                    let attention = try XCTUnwrap(recorded["layers.\(layer).attn_dla"])
                    let ssm = try XCTUnwrap(recorded["layers.\(layer).ssm_dla"])
                    XCTAssertEqual(attention.shape, [n, heads])
                    for h in 0..<heads { sum += Double(attention.floats[t * heads + h]) + Double(ssm.floats[t * heads + h]) }
                    sum += Double(try XCTUnwrap(recorded["layers.\(layer).mlp_dla"]).floats[t])
                }
                let logit = Double(logits[t * vocab + Int(targets[t])])
                XCTAssertEqual(sum, logit, accuracy: 1e-4 * max(1, abs(logit)), "\(c.name) row \(t)")
            }
        }
    }

    /// Every term against the formula evaluated in Double on the golden branch outputs, golden
    /// residuals and the file's weights. The goldens and this model agree to 2e-4 (scaled), and a
    /// term multiplies a few such values: each tensor within 1e-3 · max(1, max|term|).
    func testAttributionMatchesTheFormulaOnTheGoldens() throws {
        for c in try cases() {
            let recorded = try record(Self.attributionPlan, c)
            let cfg = c.config, m = cfg.memoryTokens, n = c.ids.count, d = cfg.hiddenSize, e = cfg.innerSize
            let heads = cfg.attentionHeads, width = e / heads, eps = Double(cfg.rmsNormEps), last = cfg.hiddenLayers - 1
            let embedding = try c.weight("model.embed_tokens.weight"), g = try c.weight("model.final_layernorm.weight")
            let goldenLogits = try c.golden("logits")
            let targets: [Int] = (0..<n).map { t in
                if t + 1 < n { return c.ids[t + 1] }
                let row = Array(goldenLogits[(t * cfg.vocabSize)..<((t + 1) * cfg.vocabSize)])
                return row.firstIndex(of: row.max()!)!
            }
            XCTAssertEqual(try XCTUnwrap(recorded["dla_target"]).floats.map { Int($0) }, targets, c.name)
            func rms(_ row: ArraySlice<Float>) -> Double {
                (row.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(row.count) + eps).squareRoot()
            }
            let final = try c.golden("layers.\(last).hidden")
            // u_t = g ⊙ U[y_t] / r_t, (n, D) in Double.
            let u: [[Double]] = (0..<n).map { t in
                let r = rms(final[((m + t) * d)..<((m + t + 1) * d)])
                return (0..<d).map { Double(g[$0]) * Double(embedding[targets[t] * d + $0]) / r }
            }
            let embedDLA = (0..<n).map { t in (0..<d).reduce(0.0) { $0 + Double(embedding[c.ids[t] * d + $1]) * u[t][$1] } }
            assertClose(try XCTUnwrap(recorded["embed_dla"]).floats, embedDLA, "\(c.name) embed_dla")
            for layer in 0..<cfg.hiddenLayers {
                let outProj = try c.weight("model.layers.\(layer).mamba.out_proj.weight")                // (D, E)
                let projected: [[Double]] = (0..<n).map { t in                                          // out_projᵀ u_t
                    (0..<e).map { k in (0..<d).reduce(0.0) { $0 + Double(outProj[$1 * e + k]) * u[t][$1] } }
                }
                for (branch, key, norm) in [("attn_out", "attn_dla", "pre_avg_layernorm1"), ("ssm_out", "ssm_dla", "pre_avg_layernorm2")] {
                    let x = try c.golden("layers.\(layer).\(branch)"), w = try c.weight("model.layers.\(layer).mamba.\(norm).weight")
                    var expected: [Double] = []
                    for t in 0..<n {
                        let row = (m + t) * e, rho = rms(x[row..<(row + e)])
                        for h in 0..<heads {
                            var sum = 0.0
                            for k in (h * width)..<((h + 1) * width) { sum += projected[t][k] * Double(w[k]) * Double(x[row + k]) }
                            expected.append(sum / rho / 2)
                        }
                    }
                    assertClose(try XCTUnwrap(recorded["layers.\(layer).\(key)"]).floats, expected, "\(c.name) layer \(layer) \(key)")
                }
                // The MLP wrote hidden_i − (hidden_{i−1} + out_proj · m_i); m_i from the goldens too.
                let after = try c.golden("layers.\(layer).hidden")
                let before = layer == 0 ? nil : try c.golden("layers.\(layer - 1).hidden")
                let a = try c.golden("layers.\(layer).attn_out"), s = try c.golden("layers.\(layer).ssm_out")
                let w1 = try c.weight("model.layers.\(layer).mamba.pre_avg_layernorm1.weight")
                let w2 = try c.weight("model.layers.\(layer).mamba.pre_avg_layernorm2.weight")
                var expected: [Double] = []
                for t in 0..<n {
                    let row = (m + t) * e, ra = rms(a[row..<(row + e)]), rs = rms(s[row..<(row + e)])
                    var mixed = [Double](repeating: 0, count: e)
                    for k in 0..<e {
                        let attention = Double(w1[k]) * Double(a[row + k]) / ra
                        let scan = Double(w2[k]) * Double(s[row + k]) / rs
                        mixed[k] = (attention + scan) / 2
                    }
                    var sum = 0.0
                    for j in 0..<d {
                        let entering = before.map { Double($0[(m + t) * d + j]) } ?? Double(embedding[c.ids[t] * d + j])
                        let branches = (0..<e).reduce(0.0) { $0 + Double(outProj[j * e + $1]) * mixed[$1] }
                        sum += (Double(after[(m + t) * d + j]) - entering - branches) * u[t][j]
                    }
                    expected.append(sum)
                }
                assertClose(try XCTUnwrap(recorded["layers.\(layer).mlp_dla"]).floats, expected, "\(c.name) layer \(layer) mlp_dla")
            }
        }
    }

    /// An explicit target replaces the top prediction at the last row only; the sum identity
    /// holds for it too.
    func testExplicitTargetAtTheLastRow() throws {
        let c = try XCTUnwrap(cases().first)
        let n = c.ids.count, vocab = c.config.vocabSize, target = 7
        let recorded = try record(Self.attributionPlan, c, target: target)
        let targets = try XCTUnwrap(recorded["dla_target"]).floats.map { Int($0) }
        XCTAssertEqual(targets, Array(c.ids.dropFirst()) + [target])
        var sum = Double(try XCTUnwrap(recorded["embed_dla"]).floats[n - 1])
        for layer in 0..<c.config.hiddenLayers {
            for key in ["attn_dla", "ssm_dla"] {
                sum += try XCTUnwrap(recorded["layers.\(layer).\(key)"]).floats.suffix(c.config.attentionHeads).reduce(0.0) { $0 + Double($1) }
            }
            sum += Double(try XCTUnwrap(recorded["layers.\(layer).mlp_dla"]).floats[n - 1])
        }
        let logit = Double(try XCTUnwrap(recorded["logits"]).floats[(n - 1) * vocab + target])
        XCTAssertEqual(sum, logit, accuracy: 1e-4 * max(1, abs(logit)))
        // Rows before the last keep their targets; one layer alone records only that layer.
        let one = try record("attn_dla@1", c, target: target)
        XCTAssertEqual(Set(one.keys), ["layers.1.attn_dla"])
        XCTAssertEqual(one["layers.1.attn_dla"]?.floats, recorded["layers.1.attn_dla"]?.floats)
        let heads = c.config.attentionHeads
        XCTAssertEqual(try record("attn_dla@1", c)["layers.1.attn_dla"]?.floats.prefix((n - 1) * heads),
                       recorded["layers.1.attn_dla"]?.floats.prefix((n - 1) * heads))
    }

    private func assertClose(_ actual: [Float], _ expected: [Double], _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        let scale = max(1, expected.map(abs).max() ?? 0)
        let error = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(error / scale, 1e-3, message, file: file, line: line)
    }
}
