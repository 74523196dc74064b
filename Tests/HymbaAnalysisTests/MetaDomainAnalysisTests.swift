import XCTest
@testable import HymbaAnalysis

final class MetaDomainAnalysisTests: XCTestCase {
    /// Domain "a" concentrates on token 1, "b" on token 3; "c" is flat.
    func testSpecificTokensDivergencesAndPValue() throws {
        let a = (0..<6).map { i in [0.1, 0.5 + 0.01 * Double(i), 0.1, 0.1] }
        let b = (0..<6).map { i in [0.1, 0.1, 0.1, 0.5 + 0.01 * Double(i)] }
        let c = (0..<6).map { i in [0.2, 0.2, 0.2, 0.2 + 0.001 * Double(i)] }
        let result = try MetaDomainAnalysis.analyze(domains: [("a", a), ("b", b), ("c", c)], layer: 7,
                                                    permutations: 500, seed: 42, topCount: 2)
        XCTAssertEqual(result.layer, 7)
        XCTAssertEqual(result.domains.map(\.name), ["a", "b", "c"])
        XCTAssertEqual(result.domains[0].topTokens.first?.token, 1)
        XCTAssertEqual(result.domains[1].topTokens.first?.token, 3)
        XCTAssertEqual(result.domains[0].meanProfile[1], 0.525, accuracy: 1e-12)
        XCTAssertEqual(result.domains[0].share.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertLessThanOrEqual(result.domains[0].topTokens.count, 2)
        XCTAssertTrue(result.domains.allSatisfy { $0.topTokens.allSatisfy { $0.specificity > 0 } })
        // Specificity: share in the domain minus the mean share in the others.
        let top = try XCTUnwrap(result.domains[0].topTokens.first)
        let others = (result.domains[1].share[1] + result.domains[2].share[1]) / 2
        XCTAssertEqual(top.specificity, result.domains[0].share[1] - others, accuracy: 1e-12)

        XCTAssertEqual(result.divergences.map { "\($0.first)-\($0.second)" }, ["a-b", "a-c", "b-c"])
        XCTAssertEqual(result.divergences[0].divergence,
                       JensenShannon.divergence(result.domains[0].meanProfile, result.domains[1].meanProfile), accuracy: 1e-15)
        XCTAssertEqual(result.test.statistic, result.divergences.reduce(0) { $0 + $1.divergence }, accuracy: 1e-15)
        XCTAssertEqual(result.test.pValue, 1.0 / 501, accuracy: 1e-12)
    }

    func testIdenticalDomainsHaveNoSpecificTokensAndPValueOne() throws {
        let profiles = (0..<5).map { _ in [0.3, 0.1, 0.2] }
        let result = try MetaDomainAnalysis.analyze(domains: [("x", profiles), ("y", profiles)], layer: 0,
                                                    permutations: 100, seed: 0)
        XCTAssertEqual(result.divergences[0].divergence, 0, accuracy: 1e-15)
        XCTAssertEqual(result.test.pValue, 1)
        XCTAssertTrue(result.domains.allSatisfy { $0.topTokens.isEmpty })
    }

    func testTooLittleDataIsAnError() {
        XCTAssertThrowsError(try MetaDomainAnalysis.analyze(domains: [("x", [[1, 2]])], layer: 0, permutations: 10, seed: 0))
        XCTAssertThrowsError(try MetaDomainAnalysis.analyze(domains: [("x", [[1, 2]]), ("y", [])], layer: 0, permutations: 10, seed: 0))
        XCTAssertThrowsError(try MetaDomainAnalysis.analyze(domains: [("x", [[1, 2]]), ("y", [[1]])], layer: 0, permutations: 10, seed: 0))
    }
}
