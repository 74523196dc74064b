import Foundation
import XCTest
@testable import HymbaKit

/// Probes beyond the goldens: identities that hold by construction, and reductions recomputed
/// the plain way from the golden attention maps.
final class ProbeTests: XCTestCase {
    /// Σ_j α_c[i,j]·u[j,c] + D[c]·u[i,c] equals the scan output y[i,c] for every channel of every
    /// layer (the implicit-attention identity), within 2e-4 · max(1, max|y|).
    func testImplicitAttentionReproducesTheScan() throws {
        for name in ["tiny-bf16", "tiny-f32"] {
            let fixture = Fixtures.parity.appendingPathComponent(name)
            let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
            let e = model.config.innerSize
            let plan = try RecordingPlan("ssm_x,ssm_dt,ssm_B,ssm_C", config: model.config, ssmAttentionChannels: Array(0..<e))
            let recorder = model.makeRecorder(plan: plan)
            _ = try model.forward(ids: try Fixtures.prompts(of: fixture)[0].ids, recorder: recorder)
            let recorded = Dictionary(uniqueKeysWithValues: recorder.tensors.map { ($0.name, $0.tensor) })
            for layer in 0..<model.config.hiddenLayers {
                let u = recorded["layers.\(layer).ssm_x"]!.matrix
                let y = SelectiveScan.run(u: u, delta: recorded["layers.\(layer).ssm_dt"]!.matrix,
                                          negA: model.weights.layers[layer].negAByState,
                                          b: recorded["layers.\(layer).ssm_B"]!.matrix, c: recorded["layers.\(layer).ssm_C"]!.matrix,
                                          skip: model.weights.layers[layer].skipD,
                                          recordStateNorm: false, recordFinalState: false).y
                let alpha = recorded["layers.\(layer).ssm_attn_channels"]!
                XCTAssertEqual(alpha.shape, [e, u.rows, u.rows])
                let a = alpha.floats, rows = u.rows
                var reconstructed = [Float](repeating: 0, count: rows * e)
                for c in 0..<e {
                    for i in 0..<rows {
                        var sum = model.weights.layers[layer].skipD[c] * u[i, c]
                        for j in 0...i { sum += a[(c * rows + i) * rows + j] * u[j, c] }
                        reconstructed[i * e + c] = sum
                        for j in (i + 1)..<rows where a[(c * rows + i) * rows + j] != 0 {
                            XCTFail("α_c[i,j] must be 0 above the diagonal"); break
                        }
                    }
                }
                let error = Parity.scaledError(reconstructed, y.storage)
                XCTAssertLessThanOrEqual(error, 2e-4, "\(name) layer \(layer)")
            }
        }
    }

    /// attn_mass and meta_attn_received equal the plain computation from the golden maps, and
    /// every mass row sums to 1.
    func testMassesMatchPlainComputationFromGoldenMaps() throws {
        for fixture in Fixtures.parityFixtures {
            let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
            let m = model.config.memoryTokens, heads = model.config.attentionHeads
            for prompt in try Fixtures.prompts(of: fixture) {
                let golden = try SafeTensorsFile(path: prompt.file.path)
                let recorder = model.makeRecorder(plan: try RecordingPlan("attn_mass,ssm_mass,meta_attn_received", config: model.config))
                _ = try model.forward(ids: prompt.ids, recorder: recorder)
                let recorded = Dictionary(uniqueKeysWithValues: recorder.tensors.map { ($0.name, $0.tensor) })
                for layer in 0..<model.config.hiddenLayers {
                    for (mapKey, massKey, absolute) in [("attn_probs", "attn_mass", false), ("ssm_attn", "ssm_mass", true)] {
                        let maps = try golden.floats("layers.\(layer).\(mapKey)")
                        let rows = golden.tensors["layers.\(layer).\(mapKey)"]!.shape[1]
                        let expected = Self.plainMass(maps, heads: heads, rows: rows, metaCount: m,
                                                      bos: prompt.ids[0] == 1, absolute: absolute)
                        let mine = recorded["layers.\(layer).\(massKey)"]!.floats
                        for h in 0..<heads {
                            XCTAssertEqual(mine[(h * 4)..<(h * 4 + 4)].reduce(0, +), 1, accuracy: 1e-5)
                        }
                        XCTAssertLessThanOrEqual(Parity.scaledError(mine, expected.mass), 1e-5, "\(massKey) layer \(layer)")
                        if !absolute {
                            XCTAssertLessThanOrEqual(Parity.scaledError(recorded["layers.\(layer).meta_attn_received"]!.floats, expected.received), 1e-5)
                        }
                    }
                }
            }
        }
    }

    /// numpy-style: for each head, the mean over real rows t ≥ M of row sums over key classes.
    static func plainMass(_ maps: [Float], heads: Int, rows: Int, metaCount m: Int, bos: Bool, absolute: Bool)
        -> (mass: [Float], received: [Float])
    {
        var mass = [Float](repeating: 0, count: heads * 4), received = [Float](repeating: 0, count: heads * m)
        let n = Float(rows - m)
        for h in 0..<heads {
            for t in m..<rows {
                let row = (0..<rows).map { maps[(h * rows + t) * rows + $0] }
                let total = absolute ? row.map(abs).reduce(0, +) : 1
                for u in 0..<rows {
                    let v = (absolute ? abs(row[u]) : row[u]) / total
                    let kind = u < m ? 0 : (bos && u == m) ? 1 : (u == t ? 2 : 3)
                    mass[h * 4 + kind] += v / n
                    if u < m { received[h * m + u] += v / n }
                }
            }
        }
        return (mass, received)
    }

    func testDenseMapsHoldOnlyTheSelectedHeadsAndMaskedZeros() throws {
        let fixture = Fixtures.parity.appendingPathComponent("tiny-bf16")    // W = 8, M = 4, layer 1 sliding
        let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
        let prompt = try Fixtures.prompts(of: fixture)[1]
        let recorder = model.makeRecorder(plan: try RecordingPlan("attn_probs@1:h2", config: model.config))
        _ = try model.forward(ids: prompt.ids, recorder: recorder)
        XCTAssertEqual(recorder.tensors.map(\.name), ["layers.1.attn_probs"])
        let map = recorder.tensors[0].tensor
        let rows = prompt.ids.count + 4
        XCTAssertEqual(map.shape, [1, rows, rows])
        let mask = AttentionMask(metaCount: 4, window: 8)
        let golden = try SafeTensorsFile(path: prompt.file.path).floats("layers.1.attn_probs")
        for t in 0..<rows {
            var sum: Float = 0
            for u in 0..<rows {
                let p = map.floats[t * rows + u]
                if !mask.allows(query: t, key: u) { XCTAssertEqual(p, 0) }
                XCTAssertEqual(p, golden[(2 * rows + t) * rows + u], accuracy: 2e-4)
                sum += p
            }
            XCTAssertEqual(sum, 1, accuracy: 1e-5)
        }
    }

    func testRecordingFileRoundTripsWithManifest() throws {
        let fixture = Fixtures.parity.appendingPathComponent("tiny-f32")
        let checkpoint = try Checkpoint(directory: fixture)
        let model = try HymbaModel(checkpoint: checkpoint)
        let ids = try Fixtures.prompts(of: fixture)[0].ids
        let recorder = model.makeRecorder(plan: try RecordingPlan("input_ids,logits,attn_probs@4:h1,h3", config: model.config))
        _ = try model.forward(ids: ids, recorder: recorder)
        let recording = Recording(recorder: recorder, ids: ids, tokenStrings: nil, modelPath: fixture.path, configData: checkpoint.configData)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rec-\(UUID().uuidString).safetensors")
        defer {
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.removeItem(at: Recording.manifestURL(for: url))
        }
        try recording.write(to: url)
        let read = try Recording(contentsOf: url)
        XCTAssertEqual(read.manifest, recording.manifest)
        XCTAssertEqual(read.tensors.map(\.name), ["input_ids", "logits", "layers.4.attn_probs"])
        XCTAssertEqual(read.tensor("input_ids"), Tensor(shape: [ids.count], integers: ids.map(Int64.init)))
        XCTAssertEqual(read.manifest.tensors[2].heads, [1, 3])
        XCTAssertEqual(read.manifest.configSHA256, SHA256.hex(checkpoint.configData))
        XCTAssertEqual(read.manifest.positions, ids.count + 8)
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array(String(repeating: "a", count: 1000).utf8)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
