import XCTest
@testable import HymbaPlot

final class LayoutRuleTests: XCTestCase {
    func testAutomaticCellSize() {
        XCTAssertEqual(Legibility.automaticCellSize(count: 12), 16)
        XCTAssertEqual(Legibility.automaticCellSize(count: 30), 16)
        XCTAssertEqual(Legibility.automaticCellSize(count: 60), 8)
        XCTAssertEqual(Legibility.automaticCellSize(count: 200), 2.4, accuracy: 1e-12)
    }

    func testLabelStride() {
        XCTAssertEqual(Legibility.labelStride(cellSize: 16), 1)
        XCTAssertEqual(Legibility.labelStride(cellSize: 8), 1)
        XCTAssertEqual(Legibility.labelStride(cellSize: 7.9), 2)
        XCTAssertEqual(Legibility.labelStride(cellSize: 2.4), 4)
        XCTAssertEqual(Legibility.niceStride(cellSize: 2.4), 5)
        XCTAssertEqual(Legibility.niceStride(cellSize: 0.24), 50)
    }

    /// Thinned labels restart after the meta block, so the prompt's first token is labelled.
    func testLabelsRestartAfterTheLeadingGroup() {
        XCTAssertEqual(Legibility.labelledIndices(count: 10, stride: 1, groupEnd: 3), Array(0..<10))
        XCTAssertEqual(Legibility.labelledIndices(count: 12, stride: 4, groupEnd: 0), [0, 4, 8])
        XCTAssertEqual(Legibility.labelledIndices(count: 12, stride: 4, groupEnd: 8), [0, 4, 8])
        // 32 meta + prompt at stride 3: 30 would crowd 32, so it goes; 32 (the BOS) stays.
        XCTAssertEqual(Legibility.labelledIndices(count: 40, stride: 3, groupEnd: 32),
                       [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 32, 35, 38])
        XCTAssertEqual(Legibility.labelledIndices(count: 5, stride: 4, groupEnd: 5), [0, 4], "all group: plain stride")
        XCTAssertEqual(Legibility.labelledIndices(count: 5, stride: 4, groupEnd: 2), [2], "a group shorter than the stride")
    }

    func testAutomaticFigureSizeFollowsRule() throws {
        let short = try Figure(panels: [.heatmap(Fixtures.attentionHeatmap(n: 12))]).resolvedSize()
        let long = try Figure(panels: [.heatmap(Fixtures.attentionHeatmap(n: 120))]).resolvedSize()
        XCTAssertGreaterThan(long.width, short.width)
        XCTAssertLessThan(long.width, 480 + 260, "long maps stay at the 480 pt cap plus margins")
        XCTAssertEqual(short.width, short.width.rounded(), "automatic sizes are whole points")
    }

    func testBoxStatisticsMatchNumpy() throws {
        let stats = try XCTUnwrap(BoxStatistics(samples: Array(1...9).map(Double.init) + [100, .nan]))
        XCTAssertEqual(stats.count, 10)
        XCTAssertEqual(stats.lowerQuartile, 3.25, accuracy: 1e-12)
        XCTAssertEqual(stats.median, 5.5, accuracy: 1e-12)
        XCTAssertEqual(stats.upperQuartile, 7.75, accuracy: 1e-12)
        XCTAssertEqual(stats.lowerWhisker, 1)
        XCTAssertEqual(stats.upperWhisker, 9)
        XCTAssertEqual(stats.outliers, [100])
        XCTAssertNil(BoxStatistics(samples: [.nan]))
        XCTAssertEqual(BoxStatistics(samples: [4])?.median, 4)
    }

    func testPNGRecordsResolution() throws {
        let data = try Fixtures.groupedBars().renderData(format: .png, dpi: 200, width: 200, height: 150)
        XCTAssertEqual(try XCTUnwrap(PNGMetadata.resolution(of: data)), 200, accuracy: 0.1)
        let image = try RasterImage(pngData: data)
        XCTAssertEqual(image.width, 556)
        XCTAssertEqual(image.height, 417)
        XCTAssertEqual(PNGMetadata.crc32(Data("IEND".utf8)), 0xAE42_6082)
    }
}

final class AttentionMaskTests: XCTestCase {
    func testCausalAndSlidingWindow() {
        XCTAssertEqual(AttentionMask.causal(size: 3), [false, true, true,
                                                       false, false, true,
                                                       false, false, false])
        // Window 2 with one always-visible prefix token.
        XCTAssertEqual(AttentionMask.slidingWindow(size: 4, window: 2, alwaysVisiblePrefix: 1),
                       [false, true, true, true,
                        false, false, true, true,
                        false, false, false, true,
                        false, true, false, false])
        XCTAssertEqual(AttentionMask.causal(size: 0), [])
    }
}

final class LibraryInfoTests: XCTestCase {
    func testVersions() {
        XCTAssertTrue(HymbaPlotInfo.cairoVersion.hasPrefix("1."))
        XCTAssertTrue(HymbaPlotInfo.pangoVersion.hasPrefix("1."))
    }
}
