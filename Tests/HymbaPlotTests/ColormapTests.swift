import XCTest
@testable import HymbaPlot

final class ColormapTests: XCTestCase {
    func testEndpointsMatchPublishedTables() {
        assertColor(Colormap.viridis.color(at: 0), Color(hex: 0x440154), tolerance: 0)
        assertColor(Colormap.viridis.color(at: 1), Color(hex: 0xFDE725), tolerance: 0)
        assertColor(Colormap.viridis.color(at: 0.5), Color(hex: 0x21918C), tolerance: 1)
        assertColor(Colormap.magma.color(at: 0), Color(hex: 0x000004), tolerance: 0)
        assertColor(Colormap.magma.color(at: 1), Color(hex: 0xFCFDBF), tolerance: 0)
        assertColor(Colormap.magma.color(at: 0.5), Color(hex: 0xB73779), tolerance: 1)
        assertColor(Colormap.cividis.color(at: 0), Color(hex: 0x00224E), tolerance: 0)
        assertColor(Colormap.cividis.color(at: 1), Color(hex: 0xFEE838), tolerance: 0)
        assertColor(Colormap.cividis.color(at: 0.5), Color(hex: 0x7D7C78), tolerance: 1)
        assertColor(Colormap.rdBu.color(at: 0), Color(hex: 0x67001F), tolerance: 0)
        assertColor(Colormap.rdBu.color(at: 0.5), Color(hex: 0xF7F7F7), tolerance: 0)
        assertColor(Colormap.rdBu.color(at: 1), Color(hex: 0x053061), tolerance: 0)
    }

    func testClampingReversalAndLookup() throws {
        XCTAssertEqual(Colormap.viridis.color(at: -3), Colormap.viridis.color(at: 0))
        XCTAssertEqual(Colormap.viridis.color(at: 7), Colormap.viridis.color(at: 1))
        XCTAssertEqual(Colormap.viridis.color(at: .nan), Colormap.viridis.color(at: 0))
        XCTAssertEqual(Colormap.rdBu.reversed.color(at: 0), Colormap.rdBu.color(at: 1))
        XCTAssertEqual(Colormap.rdBu.reversed.name, "RdBu_r")
        XCTAssertEqual(Colormap.rdBu.reversed.reversed, Colormap.rdBu)
        XCTAssertEqual(Colormap.named("MAGMA"), .magma)
        XCTAssertEqual(Colormap.named("rdbu_r"), Colormap.rdBu.reversed)
        XCTAssertNil(Colormap.named("jet"))
        XCTAssertTrue(Colormap.rdBu.isDiverging)
        XCTAssertThrowsError(try Colormap(name: "one", controlPoints: [.white]))
        let grey = try Colormap(name: "grey", controlPoints: [.black, .white])
        assertColor(grey.color(at: 0.5), Color(red: 0.5, green: 0.5, blue: 0.5), tolerance: 1)
    }

    func testSequentialMapsGetLighter() {
        for map in [Colormap.viridis, .magma, .cividis] {
            let luminance = stride(from: 0.0, through: 1.0, by: 0.05).map { map.color(at: $0).relativeLuminance }
            XCTAssertEqual(luminance, luminance.sorted(), "\(map.name) should be monotonic in lightness")
        }
    }

    func testPalettes() throws {
        XCTAssertEqual(CategoricalPalette.tolBright.colors.count, 7)
        XCTAssertEqual(CategoricalPalette.okabeIto.colors.count, 8)
        XCTAssertEqual(CategoricalPalette.tolBright.color(7), CategoricalPalette.tolBright.color(0))
        XCTAssertThrowsError(try CategoricalPalette(name: "none", colors: []))
    }
}
