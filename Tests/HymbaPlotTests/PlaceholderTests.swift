import XCTest
import HymbaPlot
final class CairoLinkTests: XCTestCase {
    func testCairoLinks() { XCTAssertTrue(HymbaPlotInfo.cairoVersion.hasPrefix("1.")) }
}
