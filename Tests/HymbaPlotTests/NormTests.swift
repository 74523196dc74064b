import XCTest
@testable import HymbaPlot

final class NormTests: XCTestCase {
    func testLinearUsesFiniteDataRange() throws {
        let norm = try ResolvedNorm(.linear(), values: [2, .nan, 4, .infinity, 6], what: "t")
        XCTAssertEqual(norm.lower, 2)
        XCTAssertEqual(norm.upper, 6)
        XCTAssertEqual(norm.fraction(4), 0.5)
        XCTAssertEqual(norm.fraction(100), 1)
        XCTAssertTrue(norm.fraction(.nan).isNaN)
    }

    func testFixedLimitsAndFlatData() throws {
        let partly = try ResolvedNorm(.linear(min: 0), values: [0.2, 0.8], what: "t")
        XCTAssertEqual(partly.lower, 0)
        XCTAssertEqual(partly.upper, 0.8)
        let flat = try ResolvedNorm(.linear(), values: [3, 3], what: "t")
        XCTAssertEqual(flat.fraction(3), 0.5, accuracy: 1e-12)
        let zeros = try ResolvedNorm(.linear(), values: [0, 0], what: "t")
        XCTAssertEqual(zeros.lower, 0)
        XCTAssertEqual(zeros.upper, 1)
    }

    func testLogNormCapsAutomaticRangeAtSixDecades() throws {
        let norm = try ResolvedNorm(.log(), values: [1e-30, 0, -1, 1e-3, 1], what: "t")
        XCTAssertEqual(norm.upper, 1)
        XCTAssertEqual(norm.lower, 1e-6, accuracy: 1e-18)
        XCTAssertEqual(norm.fraction(1e-3), 0.5, accuracy: 1e-12)
        XCTAssertEqual(norm.fraction(0), 0)
        XCTAssertEqual(norm.fraction(-5), 0)
    }

    func testPowerAndSymmetric() throws {
        let power = try ResolvedNorm(.power(gamma: 0.5, min: 0, max: 1), values: [], what: "t")
        XCTAssertEqual(power.fraction(0.25), 0.5, accuracy: 1e-12)
        let symmetric = try ResolvedNorm(.symmetric(), values: [-0.2, 0.5], what: "t")
        XCTAssertEqual(symmetric.lower, -0.5)
        XCTAssertEqual(symmetric.upper, 0.5)
        XCTAssertEqual(symmetric.fraction(0), 0.5)
    }

    func testInvalidNormsThrow() {
        XCTAssertThrowsError(try ResolvedNorm(.log(min: 0), values: [1], what: "t")) { error in
            guard case PlotError.invalidNorm = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try ResolvedNorm(.log(), values: [-1, 0], what: "t")) { error in
            XCTAssertEqual(error as? PlotError, .invalidNorm("log scale needs at least one positive value"))
        }
        XCTAssertThrowsError(try ResolvedNorm(.linear(min: 2, max: 1), values: [], what: "t"))
        XCTAssertThrowsError(try ResolvedNorm(.power(gamma: 0), values: [1, 2], what: "t"))
        XCTAssertThrowsError(try ResolvedNorm(.symmetric(limit: -1), values: [1], what: "t"))
        XCTAssertThrowsError(try ResolvedNorm(.linear(min: .nan), values: [1], what: "t"))
        XCTAssertThrowsError(try ResolvedNorm(.linear(), values: [.nan, .infinity], what: "map")) { error in
            XCTAssertEqual(error as? PlotError, .noFiniteValues(what: "map"))
        }
    }
}
