import Foundation
import HymbaKit
import XCTest
@testable import HymbaAnalysis

/// The corpus reducers on synthetic recordings with known means.
final class AccumulatorTests: XCTestCase {
    func testSinkMeansOverPassagesThenHeads() throws {
        var sinks = SinkAccumulator(layers: 2, heads: 2)
        // Passage 1: layer 0 heads (meta, bos, self, cross) = (1,0,0,0) and (0,0,0,1); passage 2: (0.5,0.5,0,0) for both.
        let p1: [Float] = [1, 0, 0, 0, 0, 0, 0, 1]
        let p2: [Float] = [0.5, 0.5, 0, 0, 0.5, 0.5, 0, 0]
        let flat: [Float] = [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25]
        for layer0 in [p1, p2] {
            try sinks.add(TestSupport.recording([
                (.attnMass, 0, [2, 4], layer0), (.ssmMass, 0, [2, 4], flat),
                (.attnMass, 1, [2, 4], flat), (.ssmMass, 1, [2, 4], layer0),
            ], tokens: 5, meta: 3))
        }
        let summary = sinks.summary
        XCTAssertEqual(summary.passages, 2)
        XCTAssertEqual(summary.tokens, 10)
        XCTAssertEqual(summary.layers[0].attentionHeads[0], MassShares(meta: 0.75, bos: 0.25, selfMass: 0, cross: 0))
        XCTAssertEqual(summary.layers[0].attentionHeads[1], MassShares(meta: 0.25, bos: 0.25, selfMass: 0, cross: 0.5))
        XCTAssertEqual(summary.layers[0].attention, MassShares(meta: 0.5, bos: 0.25, selfMass: 0, cross: 0.25))
        XCTAssertEqual(summary.layers[0].ssm, MassShares(meta: 0.25, bos: 0.25, selfMass: 0.25, cross: 0.25))
        XCTAssertEqual(summary.layers[1].ssm, summary.layers[0].attention)
    }

    func testMissingOrMisshapenTensorsAreNamed() {
        var sinks = SinkAccumulator(layers: 1, heads: 2)
        XCTAssertThrowsError(try sinks.add(TestSupport.recording([(.attnMass, 0, [2, 4], [Float](repeating: 0, count: 8))], tokens: 2, meta: 0))) {
            XCTAssertEqual($0 as? AnalysisError, .missingTensor(key: "layers.0.ssm_mass"))
        }
        XCTAssertThrowsError(try sinks.add(TestSupport.recording([
            (.attnMass, 0, [3, 4], [Float](repeating: 0, count: 12)), (.ssmMass, 0, [2, 4], [Float](repeating: 0, count: 8)),
        ], tokens: 2, meta: 0))) {
            XCTAssertEqual($0 as? AnalysisError, .wrongShape(key: "layers.0.attn_mass", expected: [2, 4], actual: [3, 4]))
        }
        XCTAssertEqual(sinks.passages, 0, "a failed add leaves the accumulator unchanged")
    }

    func testMetaProfilesAverageHeads() throws {
        var collector = MetaProfileCollector(name: "x", layers: [1], heads: 2, metaCount: 3)
        try collector.add(TestSupport.recording([(.metaAttnReceived, 1, [2, 3], [0.1, 0.2, 0.3, 0.3, 0.2, 0.1])], tokens: 4, meta: 3))
        let profile = try XCTUnwrap(collector.profiles(layer: 1)?.first)
        for (value, expected) in zip(profile, [0.2, 0.2, 0.2]) { XCTAssertEqual(value, expected, accuracy: 1e-7) }
        XCTAssertNil(collector.profiles(layer: 0))
        XCTAssertEqual(collector.passages, 1)
    }

    func testBranchMagnitudesSkipMetaRowsAndAverageWeights() throws {
        var magnitudes = BranchMagnitudeAccumulator(layers: 1)
        // M = 2 meta rows of 100s (ignored), then 2 real rows.
        let rows: [Float] = [100, 100, 100, 100, 100, 100, 100, 100, 1, 10, 0.5, 2, 3, 30, 1.5, 4]
        try magnitudes.add(TestSupport.recording([(.branchRMS, 0, [4, 4], rows)], tokens: 2, meta: 2))
        var weights = try HymbaModel(checkpoint: Checkpoint(directory: TestSupport.tinyFixture)).weights
        weights.layers[0].attentionNorm = [1, -3]
        weights.layers[0].ssmNorm = [0.5, 0.5]
        let layer = try XCTUnwrap(magnitudes.summary(weights: weights).first)
        XCTAssertEqual(layer.attentionRMS, 2)
        XCTAssertEqual(layer.ssmRMS, 20)
        XCTAssertEqual(layer.normalizedAttentionRMS, 1)
        XCTAssertEqual(layer.normalizedSSMRMS, 3)
        XCTAssertEqual(layer.ssmToAttentionRatio, 10)
        XCTAssertEqual(layer.attentionNormWeight, 2)
        XCTAssertEqual(layer.ssmNormWeight, 0.5)
    }

    func testEntropyMeansHeadsAndSkipsNaN() throws {
        var entropy = EntropyAccumulator(layers: 1, heads: 2)
        try entropy.add(TestSupport.recording([(.attnEntropy, 0, [2], [1, 3]), (.ssmEntropy, 0, [2], [2, .nan])], tokens: 3, meta: 0))
        try entropy.add(TestSupport.recording([(.attnEntropy, 0, [2], [3, 5]), (.ssmEntropy, 0, [2], [4, 6])], tokens: 3, meta: 0))
        let layer = entropy.summary[0]
        XCTAssertEqual(layer.attentionHeads, [2, 4])
        XCTAssertEqual(layer.attention, 3)
        XCTAssertEqual(layer.ssmHeads, [3, 6])
        XCTAssertEqual(layer.ssm, 4.5)
    }

    func testHeadStatisticsAndRoles() throws {
        var statistics = HeadStatisticsAccumulator(layers: 1, heads: 2)
        try statistics.add(TestSupport.recording([
            (.attnMass, 0, [2, 4], [0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4, 0.4]),
            (.ssmMass, 0, [2, 4], [0.1, 0.6, 0.1, 0.2, 0.1, 0.1, 0.1, 0.7]),
            (.attnDistance, 0, [2, 2], [10, 20, 1.5, 3]),
            (.ssmDistance, 0, [2, 2], [5, 12, 30, 64]),
        ], tokens: 9, meta: 1))
        let heads = statistics.statistics
        XCTAssertEqual(heads.map(\.kind), [.attention, .attention, .ssm, .ssm])
        let rule = try HeadRoleRule()
        let baseline = ReachBaseline(attentionMeanDistance: [40], ssmSpan90: 70)
        XCTAssertEqual(heads.map { rule.role(of: $0, baseline: baseline) }, [.metaSink, .local, .bosSink, .longRange])
        XCTAssertEqual(heads[1].reach, 1.5, "attention heads are judged by mean distance")
        XCTAssertEqual(heads[3].reach, 64, "SSM heads by memory length")
    }
}
