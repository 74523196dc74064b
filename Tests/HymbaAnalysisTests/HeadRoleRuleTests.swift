import XCTest
@testable import HymbaAnalysis

final class HeadRoleRuleTests: XCTestCase {
    let rule = try! HeadRoleRule(sinkShare: 0.5, localDistance: 4, longRangeDistance: 32)

    func shares(meta: Double = 0, bos: Double = 0) -> MassShares {
        MassShares(meta: meta, bos: bos, selfMass: 0, cross: 1 - meta - bos)
    }

    func testRulesInOrder() {
        XCTAssertEqual(rule.role(mass: shares(meta: 0.5), reach: 2), .metaSink, "sinks win over reach; ≥ is inclusive")
        XCTAssertEqual(rule.role(mass: shares(meta: 0.49, bos: 0.5), reach: 100), .bosSink)
        XCTAssertEqual(rule.role(mass: shares(meta: 0.6, bos: 0.4), reach: 1), .metaSink, "meta before BOS")
        XCTAssertEqual(rule.role(mass: shares(), reach: 4), .local)
        XCTAssertEqual(rule.role(mass: shares(), reach: 4.01), .mixed)
        XCTAssertEqual(rule.role(mass: shares(), reach: 32), .longRange)
        XCTAssertEqual(rule.role(mass: shares(), reach: .nan), .mixed)
    }

    func testThresholdsAreValidated() {
        XCTAssertThrowsError(try HeadRoleRule(sinkShare: 0))
        XCTAssertThrowsError(try HeadRoleRule(sinkShare: 1.5))
        XCTAssertThrowsError(try HeadRoleRule(localDistance: 10, longRangeDistance: 10))
        XCTAssertThrowsError(try HeadRoleRule(localDistance: -1))
        XCTAssertNoThrow(try HeadRoleRule(sinkShare: 1, localDistance: 0, longRangeDistance: 1))
    }
}
