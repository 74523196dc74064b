import Foundation
import XCTest
@testable import HymbaAnalysis

/// Jensen–Shannon divergence, the seeded generator, the permutation test and running means on
/// inputs whose answers are known by construction.
final class StatisticsTests: XCTestCase {
    func testJensenShannonKnownValues() {
        XCTAssertEqual(JensenShannon.divergence([1, 2, 3], [1, 2, 3]), 0, accuracy: 1e-15)
        XCTAssertEqual(JensenShannon.divergence([1, 2, 3], [2, 4, 6]), 0, accuracy: 1e-15, "profiles are scaled to sum 1")
        XCTAssertEqual(JensenShannon.divergence([1, 1, 0, 0], [0, 0, 2, 5]), log(2), accuracy: 1e-15, "disjoint support")
        // [1, 0] vs [1/2, 1/2]: ½ ln(1/(3/4)) + ¼ ln((1/2)/(3/4)) + ¼ ln((1/2)/(1/4)).
        let expected = 0.5 * log(4.0 / 3) + 0.25 * log(2.0 / 3) + 0.25 * log(2)
        XCTAssertEqual(JensenShannon.divergence([1, 0], [1, 1]), expected, accuracy: 1e-15)
        XCTAssertEqual(JensenShannon.divergence([1, 0], [1, 1]), JensenShannon.divergence([1, 1], [1, 0]), accuracy: 1e-15)
        XCTAssertTrue(JensenShannon.divergence([0, 0], [1, 1]).isNaN)
        XCTAssertTrue(JensenShannon.divergence([-1, 2], [1, 1]).isNaN)
    }

    func testSplitMix64ReferenceOutputs() {
        // First outputs of SplitMix64 seeded with 0 and 1234567 (Vigna's reference splitmix64.c).
        var zero = SeededGenerator(seed: 0)
        XCTAssertEqual(zero.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(zero.next(), 0x6E78_9E6A_A1B9_65F4)
        var other = SeededGenerator(seed: 1_234_567)
        XCTAssertEqual(other.next(), 6_457_827_717_110_365_317)
    }

    func testShuffleIsAPermutationAndUniformIsInRange() {
        var generator = SeededGenerator(seed: 7)
        var items = Array(0..<50)
        generator.shuffle(&items)
        XCTAssertEqual(items.sorted(), Array(0..<50))
        XCTAssertNotEqual(items, Array(0..<50))
        var counts = [Int](repeating: 0, count: 3)
        for _ in 0..<3000 { counts[generator.uniform(below: 3)] += 1 }
        XCTAssertTrue(counts.allSatisfy { (900...1100).contains($0) }, "\(counts)")
    }

    private func profileSum(_ groups: [[[Double]]]) -> Double {
        MetaDomainAnalysis.divergenceSum(groups.map { MetaDomainAnalysis.meanProfile($0, length: 4) })
    }

    func testPermutationPValueIsOneForIdenticalGroups() {
        let same = [[1.0, 2, 3, 4]]
        let groups = [Array(repeating: same[0], count: 6), Array(repeating: same[0], count: 5), Array(repeating: same[0], count: 7)]
        let result = PermutationTest.run(groups: groups, permutations: 200, seed: 1, statistic: profileSum)
        XCTAssertEqual(result.statistic, 0, accuracy: 1e-15)
        XCTAssertEqual(result.pValue, 1)
    }

    func testPermutationPValueIsSmallForSeparatedGroups() {
        var noise = SeededGenerator(seed: 99)
        func jitter() -> Double { Double(noise.uniform(below: 1000)) / 10_000 }
        let a = (0..<10).map { _ in [1 + jitter(), 0.1 + jitter(), 0.1 + jitter(), 0.1 + jitter()] }
        let b = (0..<10).map { _ in [0.1 + jitter(), 0.1 + jitter(), 0.1 + jitter(), 1 + jitter()] }
        let result = PermutationTest.run(groups: [a, b], permutations: 999, seed: 3, statistic: profileSum)
        // No relabelling of 20 passages beats the true split: p is the floor 1/(B+1).
        XCTAssertEqual(result.pValue, 1.0 / 1000, accuracy: 1e-12)
        let again = PermutationTest.run(groups: [a, b], permutations: 999, seed: 3, statistic: profileSum)
        XCTAssertEqual(result, again, "the same seed gives the same result")
    }

    func testPermutationPValueOfAMildDifferenceIsReproducibleAndBetween() {
        var noise = SeededGenerator(seed: 5)
        func sample(_ bias: Double) -> [Double] { (0..<4).map { k in 1 + Double(noise.uniform(below: 100)) / 100 + (k == 0 ? bias : 0) } }
        let groups = [(0..<8).map { _ in sample(0.15) }, (0..<8).map { _ in sample(0) }]
        let first = PermutationTest.run(groups: groups, permutations: 300, seed: 11, statistic: profileSum)
        let second = PermutationTest.run(groups: groups, permutations: 300, seed: 11, statistic: profileSum)
        XCTAssertEqual(first.pValue, second.pValue)
        XCTAssertGreaterThan(first.pValue, 1.0 / 301)
        XCTAssertLessThanOrEqual(first.pValue, 1)
        // p is always a multiple of 1/(B+1).
        XCTAssertEqual((first.pValue * 301).rounded(), first.pValue * 301, accuracy: 1e-9)
    }

    func testRunningMeanSkipsNonFiniteEntries() {
        var mean = RunningMean(count: 3)
        mean.add([1.0, .nan, 3])
        mean.add([3.0, .nan, .infinity])
        XCTAssertEqual(mean.mean[0], 2)
        XCTAssertTrue(mean.mean[1].isNaN)
        XCTAssertEqual(mean.mean[2], 3)
        XCTAssertEqual(mean.samples(2), 1)
        XCTAssertEqual(finiteMean([1.0, .nan, 2]), 1.5)
    }
}
