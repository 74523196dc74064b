import XCTest
@testable import HymbaPlot

final class TicksTests: XCTestCase {
    private func labels(_ ticks: [Tick]) -> [String] { ticks.filter { !$0.isMinor }.map(\.label) }

    func testNiceLinearTicks() {
        XCTAssertEqual(labels(TickGenerator.linear(lower: 0, upper: 1, targetCount: 5)), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(labels(TickGenerator.linear(lower: 0, upper: 1, targetCount: 4)), ["0.00", "0.25", "0.50", "0.75", "1.00"])
        XCTAssertEqual(labels(TickGenerator.linear(lower: -0.5, upper: 0.5, targetCount: 4)), ["−0.50", "−0.25", "0.00", "0.25", "0.50"])
        XCTAssertEqual(labels(TickGenerator.linear(lower: 3, upper: 97, targetCount: 5)), ["20", "40", "60", "80"])
        XCTAssertEqual(labels(TickGenerator.linear(lower: 0, upper: 7, targetCount: 10, integerOnly: true)),
                       ["0", "1", "2", "3", "4", "5", "6", "7"])
    }

    func testExtremeMagnitudesUseScientificNotation() {
        XCTAssertEqual(labels(TickGenerator.linear(lower: 0, upper: 4e-4, targetCount: 4)), ["0", "1×10⁻⁴", "2×10⁻⁴", "3×10⁻⁴", "4×10⁻⁴"])
        XCTAssertEqual(labels(TickGenerator.linear(lower: 0, upper: 2e6, targetCount: 2)), ["0", "1×10⁶", "2×10⁶"])
        XCTAssertEqual(TickFormatter.plain(0.000123), "1.23×10⁻⁴")
        XCTAssertEqual(TickFormatter.plain(-12.5), "−12.5")
        XCTAssertEqual(TickFormatter.plain(0.5), "0.5")
        XCTAssertEqual(TickFormatter.fixed(-0.0001, digits: 2), "0.00")
    }

    func testLogTicks() {
        let ticks = TickGenerator.logarithmic(lower: 1e-3, upper: 1, maxMajorCount: 5)
        XCTAssertEqual(labels(ticks), ["10⁻³", "10⁻²", "10⁻¹", "10⁰"])
        let twoDecades = TickGenerator.logarithmic(lower: 0.8, upper: 14, maxMajorCount: 5)
        XCTAssertEqual(labels(twoDecades), ["1", "2", "5", "10"])
        XCTAssertTrue(ticks.contains { $0.isMinor && abs($0.value - 0.002) < 1e-12 })
        let wide = TickGenerator.logarithmic(lower: 1e-12, upper: 1, maxMajorCount: 4)
        XCTAssertEqual(labels(wide), ["10⁻¹²", "10⁻⁸", "10⁻⁴", "10⁰"])
        let narrow = TickGenerator.logarithmic(lower: 0.15, upper: 0.9, maxMajorCount: 5)
        XCTAssertEqual(labels(narrow), ["0.2", "0.5"])
    }
}
