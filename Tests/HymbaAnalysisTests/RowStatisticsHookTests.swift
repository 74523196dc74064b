import Foundation
import XCTest
@testable import HymbaKit

/// The on-the-fly row statistics (attn_entropy, ssm_entropy, attn_distance, ssm_distance) that
/// the entropy and roles analyses read, pinned on rows with known answers and against the plain
/// computation from dense maps.
final class RowStatisticsHookTests: XCTestCase {
    /// Feeds `rows` (each a full row over keys 0…t) to the observer as the kernels do.
    private func observe(_ statistics: AttentionRowStatistics, head: Int, rows: [(t: Int, values: [Float])], meta: Int) {
        for (t, values) in rows {
            let keys = (meta: 0..<min(meta, t + 1), window: meta..<max(meta, t + 1))
            values.withUnsafeBufferPointer { statistics.observe(head: head, query: t, probabilities: $0.baseAddress!, keys: keys) }
        }
    }

    func testUniformRowsHaveEntropyLnK() {
        let stats = AttentionRowStatistics(heads: 1, metaCount: 2, firstTokenIsBOS: false, absolute: false, rows: 16)
        // Real rows t = 2…5 see t + 1 keys each, uniformly.
        let rows = (2...5).map { t in (t, [Float](repeating: 1 / Float(t + 1), count: t + 1)) }
        observe(stats, head: 0, rows: rows, meta: 2)
        let expected = (2...5).map { log(Double($0 + 1)) }.reduce(0, +) / 4
        XCTAssertEqual(Double(stats.entropyTensor.floats[0]), expected, accuracy: 1e-6)
    }

    func testOneHotRowsHaveZeroEntropyAndExactDistances() {
        // M = 1, BOS at position 1. Row t attends only to key t − 2 (a content token): distance 2.
        let stats = AttentionRowStatistics(heads: 2, metaCount: 1, firstTokenIsBOS: true, absolute: false, rows: 16)
        let rows = (4...7).map { t -> (Int, [Float]) in
            var row = [Float](repeating: 0, count: t + 1)
            row[t - 2] = 1
            return (t, row)
        }
        observe(stats, head: 1, rows: rows, meta: 1)
        XCTAssertEqual(stats.entropyTensor.floats[1], 0)
        XCTAssertEqual(stats.distanceTensor.floats[2], 2)       // head 1 mean distance
        XCTAssertEqual(stats.distanceTensor.floats[3], 2)       // head 1 span
        XCTAssertTrue(stats.entropyTensor.floats[0].isNaN, "a head with no rows is NaN")
        XCTAssertTrue(stats.distanceTensor.floats[0].isNaN)
    }

    func testMetaAndBOSMassIsLeftOutOfDistances() {
        // M = 2, BOS at 2, row t = 6: 0.5 on meta 0, 0.3 on the BOS, 0.1 on itself, 0.1 on key 3.
        let stats = AttentionRowStatistics(heads: 1, metaCount: 2, firstTokenIsBOS: true, absolute: false, rows: 16)
        var row = [Float](repeating: 0, count: 7)
        row[0] = 0.5; row[2] = 0.3; row[6] = 0.1; row[3] = 0.1
        observe(stats, head: 0, rows: [(6, row)], meta: 2)
        // Content mass 0.2: half at distance 0, half at distance 3.
        XCTAssertEqual(stats.distanceTensor.floats[0], 1.5, accuracy: 1e-6)
        // 90 % of the content mass needs both keys: span 3.
        XCTAssertEqual(stats.distanceTensor.floats[1], 3)
        let entropy = -[0.5, 0.3, 0.1, 0.1].reduce(0.0) { $0 + $1 * log($1) }
        XCTAssertEqual(Double(stats.entropyTensor.floats[0]), entropy, accuracy: 1e-6)
    }

    func testSpanIsTheSmallestDistanceHolding90Percent() {
        // Uniform over 10 content keys (no meta, no BOS): 9 keys hold exactly 90 % → span 8.
        let stats = AttentionRowStatistics(heads: 1, metaCount: 0, firstTokenIsBOS: false, absolute: false, rows: 16)
        observe(stats, head: 0, rows: [(9, [Float](repeating: 0.1, count: 10))], meta: 0)
        XCTAssertEqual(stats.distanceTensor.floats[1], 8)
        XCTAssertEqual(stats.distanceTensor.floats[0], 4.5, accuracy: 1e-6)
    }

    func testAbsoluteRowsAreRenormalised() {
        // An SSM-like row with signs: |row| = [1, 3] / 4 over keys t−1, t.
        let stats = AttentionRowStatistics(heads: 1, metaCount: 0, firstTokenIsBOS: false, absolute: true, rows: 16)
        observe(stats, head: 0, rows: [(1, [-1, 3])], meta: 0)
        let entropy = -(0.25 * log(0.25) + 0.75 * log(0.75))
        XCTAssertEqual(Double(stats.entropyTensor.floats[0]), entropy, accuracy: 1e-6)
        XCTAssertEqual(stats.distanceTensor.floats[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(stats.distanceTensor.floats[1], 1)
    }

    /// The hook points equal the same statistics computed from the dense maps of one run.
    func testHookPointsMatchDenseMaps() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: TestSupport.tinyFixture))
        let ids = [1, 45, 77, 122, 48, 35, 122, 37, 38, 46, 105, 8, 9, 10, 11, 12, 13, 90, 91, 92]
        let m = model.config.memoryTokens, heads = model.config.attentionHeads, rows = m + ids.count
        let plan = try RecordingPlan("attn_probs,ssm_attn,attn_entropy,ssm_entropy,attn_distance,ssm_distance", config: model.config)
        let recorder = model.makeRecorder(plan: plan)
        _ = try model.forward(ids: ids, recorder: recorder)
        let recorded = Dictionary(uniqueKeysWithValues: recorder.tensors.map { ($0.name, $0.tensor) })
        for layer in 0..<model.config.hiddenLayers {
            for (mapKey, prefix, absolute) in [("attn_probs", "attn", false), ("ssm_attn", "ssm", true)] {
                let maps = recorded["layers.\(layer).\(mapKey)"]!.floats
                let entropy = recorded["layers.\(layer).\(prefix)_entropy"]!
                let distance = recorded["layers.\(layer).\(prefix)_distance"]!
                XCTAssertEqual(entropy.shape, [heads])
                XCTAssertEqual(distance.shape, [heads, 2])
                for h in 0..<heads {
                    var entropies: [Double] = [], distances: [Double] = [], spans: [Double] = []
                    for t in m..<rows {
                        var row = (0...t).map { Double(maps[(h * rows + t) * rows + $0]) }
                        if absolute {
                            let total = row.map(abs).reduce(0, +)
                            row = row.map { abs($0) / total }
                        }
                        entropies.append(-row.filter { $0 > 0 }.reduce(0) { $0 + $1 * log($1) })
                        let content = (0...t).filter { $0 > m }           // real tokens after the BOS
                        let mass = content.reduce(0.0) { $0 + row[$1] }
                        guard mass > 0 else { continue }
                        distances.append(content.reduce(0.0) { $0 + row[$1] * Double(t - $1) } / mass)
                        var reached = 0.0
                        for d in 0...t where content.contains(t - d) {
                            reached += row[t - d]
                            if reached >= 0.9 * mass * (1 - 1e-9) { spans.append(Double(d)); break }
                        }
                    }
                    let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
                    XCTAssertEqual(Double(entropy.floats[h]), mean(entropies), accuracy: 1e-4, "\(prefix) entropy L\(layer) h\(h)")
                    XCTAssertEqual(Double(distance.floats[h * 2]), mean(distances), accuracy: 1e-3, "\(prefix) distance L\(layer) h\(h)")
                    // Spans are integers per row; float noise can move one row across the 90 % line.
                    XCTAssertEqual(Double(distance.floats[h * 2 + 1]), mean(spans), accuracy: 1.01 / Double(spans.count),
                                   "\(prefix) span L\(layer) h\(h)")
                }
            }
        }
    }
}
