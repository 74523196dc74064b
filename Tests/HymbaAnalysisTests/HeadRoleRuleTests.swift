import HymbaKit
import XCTest
@testable import HymbaAnalysis

final class HeadRoleRuleTests: XCTestCase {
    let rule = try! HeadRoleRule(sinkShare: 0.5, localDistance: 4, longRangeFraction: 0.75)

    func shares(meta: Double = 0, bos: Double = 0) -> MassShares {
        MassShares(meta: meta, bos: bos, selfMass: 0, cross: 1 - meta - bos)
    }

    func testRulesInOrder() {
        XCTAssertEqual(rule.role(mass: shares(meta: 0.5), reach: 2, uniformReach: 40), .metaSink, "sinks win over reach; ≥ is inclusive")
        XCTAssertEqual(rule.role(mass: shares(meta: 0.49, bos: 0.5), reach: 100, uniformReach: 40), .bosSink)
        XCTAssertEqual(rule.role(mass: shares(meta: 0.6, bos: 0.4), reach: 1, uniformReach: 40), .metaSink, "meta before BOS")
        XCTAssertEqual(rule.role(mass: shares(), reach: 4, uniformReach: 40), .local)
        XCTAssertEqual(rule.role(mass: shares(), reach: 4.01, uniformReach: 40), .mixed)
        XCTAssertEqual(rule.role(mass: shares(), reach: 30, uniformReach: 40), .longRange, "0.75 × 40")
        XCTAssertEqual(rule.role(mass: shares(), reach: 29.9, uniformReach: 40), .mixed)
        XCTAssertEqual(rule.role(mass: shares(), reach: 4, uniformReach: 5), .local, "local before long-range")
        XCTAssertEqual(rule.role(mass: shares(), reach: .nan, uniformReach: 40), .mixed)
        XCTAssertEqual(rule.role(mass: shares(), reach: 30, uniformReach: .nan), .mixed)
    }

    func testThresholdsAreValidated() {
        XCTAssertThrowsError(try HeadRoleRule(sinkShare: 0))
        XCTAssertThrowsError(try HeadRoleRule(sinkShare: 1.5))
        XCTAssertThrowsError(try HeadRoleRule(longRangeFraction: 0))
        XCTAssertThrowsError(try HeadRoleRule(localDistance: -1))
        XCTAssertNoThrow(try HeadRoleRule(sinkShare: 1, localDistance: 0, longRangeFraction: 2))
    }

    /// Attention heads are compared with uniform attention under their layer's mask, SSM heads
    /// with a uniform memory over the whole past.
    func testBaselineFollowsTheLayerMask() throws {
        let config = try Checkpoint(directory: TestSupport.tinyFixture).config      // global 0, 3; W = 8
        let baseline = ReachBaseline(config: config, tokenCounts: [30])
        let global = UniformReach.expected(tokenCounts: [30], window: nil), sliding = UniformReach.expected(tokenCounts: [30], window: 8)
        XCTAssertEqual(baseline.attentionMeanDistance, [global.meanDistance, sliding.meanDistance, sliding.meanDistance, global.meanDistance])
        XCTAssertEqual(baseline.ssmSpan90, global.span90)
        let rule = try HeadRoleRule(localDistance: 1)
        let head = HeadStatistics(layer: 1, kind: .attention, head: 0, mass: shares(), meanDistance: 0.8 * sliding.meanDistance, span90: 0)
        XCTAssertEqual(rule.role(of: head, baseline: baseline), .longRange)
        let same = HeadStatistics(layer: 0, kind: .attention, head: 0, mass: shares(), meanDistance: 0.8 * sliding.meanDistance, span90: 0)
        XCTAssertEqual(rule.role(of: same, baseline: baseline), .mixed, "a global layer's uniform reach is longer")
        let ssm = HeadStatistics(layer: 1, kind: .ssm, head: 0, mass: shares(), meanDistance: 0, span90: 0.7 * global.span90)
        XCTAssertEqual(rule.role(of: ssm, baseline: baseline), .mixed)
    }
}

final class UniformReachTests: XCTestCase {
    func testUniformReachByHand() {
        // n = 4: rows j = 1, 2, 3 with 1, 2, 3 content keys → distances 0, 0.5, 1; spans 0, 1, 2.
        let global = UniformReach.expected(tokenCounts: [4], window: nil)
        XCTAssertEqual(global.meanDistance, 0.5, accuracy: 1e-12)
        XCTAssertEqual(global.span90, 1, accuracy: 1e-12)
        // W = 1: at most 2 content keys → distances 0, 0.5, 0.5; spans 0, 1, 1.
        let sliding = UniformReach.expected(tokenCounts: [4], window: 1)
        XCTAssertEqual(sliding.meanDistance, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(sliding.span90, 2.0 / 3, accuracy: 1e-12)
        // 10 keys: 90 % is exactly 9 keys → span 8 (the same rule as the hook point).
        let spans: [Double] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 8]           // ⌈0.9·c⌉ − 1 for c = 1 … 10
        XCTAssertEqual(UniformReach.expected(tokenCounts: [11], window: 9).span90, spans.reduce(0, +) / 10, accuracy: 1e-12)
        // Passages weigh the same; one-token passages are skipped.
        XCTAssertEqual(UniformReach.expected(tokenCounts: [4, 1, 2], window: nil).meanDistance, 0.25, accuracy: 1e-12)
    }
}
