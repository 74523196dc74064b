import Foundation
import HymbaKit
import TestFixtures
import XCTest
@testable import HymbaReport

/// The ETA's arithmetic: rates per kind of pass, and the ablation cost's two terms recovered
/// from the first- and last-layer timings the calibration takes.
final class PassRatesTests: XCTestCase {
    func testAblationFitRecoversBothTerms() throws {
        var fit = PassRates.AblationFit()
        // t = n (α + β (L − l)) with α = 2 ms per token (LM head + loss), β = 0.5 ms per token-layer.
        let alpha = 0.002, beta = 0.0005
        fit.add(seconds: 100 * (alpha + beta * 1), tokens: 100, layersRerun: 1)
        fit.add(seconds: 100 * (alpha + beta * 6), tokens: 100, layersRerun: 6)
        let (a, b) = try XCTUnwrap(fit.coefficients)
        XCTAssertEqual(a, alpha, accuracy: 1e-12)
        XCTAssertEqual(b, beta, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(fit.seconds(tokens: 50, layersRerun: 3)), 50 * (alpha + 3 * beta), accuracy: 1e-12)

        var single = PassRates.AblationFit()
        single.add(seconds: 0.7, tokens: 100, layersRerun: 6)
        XCTAssertEqual(try XCTUnwrap(single.seconds(tokens: 100, layersRerun: 6)), 0.7, accuracy: 1e-12, "one point reproduces itself")
    }

    func testEstimateNeedsEveryKindTimed() throws {
        let config = try Checkpoint(directory: FixtureFiles.bundledModel).config
        var rates = PassRates(config: config)
        let needs = PassageNeeds(withMeta: [.attnMass], withoutMeta: [.attnMass], ablations: [Ablation(layer: 5, .ssmBranch)])
        XCTAssertNil(rates.seconds(tokens: 10, needs: needs), "no ETA before calibration")
        rates.timedWithMeta(0.42, tokens: 10)          // 42 rows: 0.01 s per row
        rates.timedWithoutMeta(0.2, tokens: 10)
        XCTAssertNil(rates.seconds(tokens: 10, needs: needs), "ablations not timed yet")
        rates.timedClean(0.3, tokens: 10)
        rates.timedAblation(0.1, tokens: 10, layer: 5)
        XCTAssertEqual(try XCTUnwrap(rates.seconds(tokens: 20, needs: needs)), 0.01 * 52 + 0.4 + 0.6 + 0.2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rates.seconds(tokens: 20, needs: PassageNeeds(withMeta: [.attnMass]))), 0.52, accuracy: 1e-12)
    }
}
