import XCTest
@testable import HymbaPlot

/// Bad requests give a typed, one-line error and write nothing.
final class ErrorTests: XCTestCase {
    private func assertPlotError<T>(_ expression: @autoclosure () throws -> T, _ expected: PlotError,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertEqual(error as? PlotError, expected, file: file, line: line)
            XCTAssertFalse(String(describing: error).contains("\n"), "one-line description", file: file, line: line)
        }
    }

    func testUnsupportedExtensionWritesNothing() throws {
        let dir = try TemporaryDirectory()
        let chart = try Fixtures.groupedBars()
        for name in ["figure.jpg", "figure", "figure.png.bak"] {
            assertPlotError(try chart.render(to: dir.file(name)), .unsupportedFormat(path: dir.file(name).path))
        }
        XCTAssertEqual(dir.contents, [])
        XCTAssertTrue(PlotError.unsupportedFormat(path: "/x/figure.jpg").description.contains(".png, .svg or .pdf"))
        XCTAssertNoThrow(try OutputFormat(path: URL(fileURLWithPath: "/x/FIG.PDF")))
    }

    func testUnwritableDirectoryIsNamed() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.file("no/such/dir")
        assertPlotError(try Fixtures.groupedBars().render(to: missing.appendingPathComponent("f.png")),
                        .unwritableDirectory(path: missing.path))
        // A regular file where the directory should be.
        let blocker = dir.file("blocker")
        try Data("x".utf8).write(to: blocker)
        assertPlotError(try Fixtures.groupedBars().render(to: blocker.appendingPathComponent("f.svg")),
                        .unwritableDirectory(path: blocker.path))
        XCTAssertTrue(PlotError.unwritableDirectory(path: "/ro").description.contains("/ro"))
        XCTAssertEqual(dir.contents.sorted(), ["blocker"])
    }

    func testFailedRenderLeavesExistingFileAndNoTemporaries() throws {
        let dir = try TemporaryDirectory()
        let target = dir.file("figure.png")
        try Data("previous".utf8).write(to: target)
        let allNaN = try Heatmap(values: [Float.nan, .nan], rows: 1, cols: 2)
        assertPlotError(try allNaN.render(to: target), .noFiniteValues(what: "heatmap"))
        XCTAssertEqual(try Data(contentsOf: target), Data("previous".utf8))
        assertPlotError(try Fixtures.groupedBars().render(to: target, dpi: 0),
                        .invalidArgument("dpi must be between 10 and 2400, got 0.0"))
        XCTAssertEqual(dir.contents, ["figure.png"])

        // A successful render replaces it atomically and leaves no temporary file.
        try Fixtures.groupedBars().render(to: target)
        XCTAssertNoThrow(try RasterImage(contentsOf: target))
        XCTAssertEqual(dir.contents, ["figure.png"])
    }

    func testDirectoryAtDestination() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: dir.file("taken.png"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try Fixtures.groupedBars().render(to: dir.file("taken.png"))) { error in
            guard case PlotError.writeFailed = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(dir.contents, ["taken.png"])
    }

    func testShapeMismatches() {
        assertPlotError(try Heatmap(values: [Float](repeating: 0, count: 5), rows: 2, cols: 3),
                        .countMismatch(what: "heatmap values for 2 × 3", expected: 6, actual: 5))
        assertPlotError(try Heatmap(values: [Float](repeating: 0, count: 6), rows: 2, cols: 3, rowLabels: ["a"]),
                        .countMismatch(what: "heatmap row labels", expected: 2, actual: 1))
        assertPlotError(try Heatmap(values: [Float](repeating: 0, count: 6), rows: 2, cols: 3, colLabels: ["a", "b"]),
                        .countMismatch(what: "heatmap column labels", expected: 3, actual: 2))
        assertPlotError(try Heatmap(values: [Float](repeating: 0, count: 6), rows: 2, cols: 3, mask: [true]),
                        .countMismatch(what: "heatmap mask for 2 × 3", expected: 6, actual: 1))
        assertPlotError(try Heatmap(values: [Float](), rows: 0, cols: 3), .emptyData(what: "heatmap (0 × 3)"))
        assertPlotError(try LineSeries(name: "s", y: [1.0, 2], x: [0]),
                        .countMismatch(what: "x values of line series 's'", expected: 2, actual: 1))
        assertPlotError(try LineSeries(name: "s", y: [Double]()), .emptyData(what: "line series 's'"))
        assertPlotError(try LinePlot(series: []), .emptyData(what: "line plot (no series)"))
        assertPlotError(try BarChart(categories: ["a", "b"], series: [BarSeries(name: "s", values: [1.0])]),
                        .countMismatch(what: "values of bar series 's'", expected: 2, actual: 1))
        assertPlotError(try BarChart(categories: [], series: []), .emptyData(what: "bar chart categories"))
        assertPlotError(try BoxPlot(categories: ["a"], groups: ["x", "y"], samples: [[[1]]]),
                        .countMismatch(what: "box plot samples for category 'a' (one list per group)", expected: 2, actual: 1))
        assertPlotError(try BoxPlot(categories: ["a", "b"], samples: [[1]]),
                        .countMismatch(what: "box plot samples (one list per category)", expected: 2, actual: 1))
        assertPlotError(try SmallMultiples(maps: [[Float](repeating: 0, count: 3)], mapRows: 2, mapCols: 2, gridRows: 1, gridCols: 1),
                        .countMismatch(what: "small-multiples map 0 (2 × 2)", expected: 4, actual: 3))
        assertPlotError(try SmallMultiples(maps: [[Float]](repeating: [0], count: 3), mapRows: 1, mapCols: 1, gridRows: 1, gridCols: 2),
                        .invalidArgument("3 maps do not fit a 1 × 2 grid"))
    }

    func testDataThatCannotBeScaled() throws {
        var logMap = try Heatmap(values: [-1.0, 0], rows: 1, cols: 2, norm: .log())
        assertPlotError(try logMap.renderData(format: .png), .invalidNorm("log scale needs at least one positive value"))
        logMap.norm = .log(min: -1, max: 1)
        assertPlotError(try logMap.renderData(format: .png), .invalidNorm("log scale min must be > 0, got -1.0"))
        let nanLine = try LinePlot(series: [LineSeries(name: "s", y: [Double.nan, .nan])])
        assertPlotError(try nanLine.renderData(format: .svg), .noFiniteValues(what: "line plot"))
        let nanBars = try BarChart(categories: ["a"], series: [BarSeries(name: "s", values: [Double.nan])])
        assertPlotError(try nanBars.renderData(format: .pdf), .noFiniteValues(what: "bar chart"))
        assertPlotError(try Figure(panels: []).renderData(format: .png), .emptyData(what: "figure (no panels)"))
        assertPlotError(try Fixtures.groupedBars().renderData(format: .png, width: -5),
                        .invalidArgument("figure width must be a positive number of points, got -5.0"))
        assertPlotError(try Fixtures.groupedBars().renderData(format: .png, dpi: 2400, width: 2000, height: 2000),
                        .figureTooLarge(widthPixels: 66667, heightPixels: 66667))
    }
}
