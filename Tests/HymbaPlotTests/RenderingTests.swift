import XCTest
@testable import HymbaPlot

/// Every plot type to PNG, SVG and PDF; SVG and PDF are rasterised by real renderers
/// (rsvg-convert, pdftoppm) and compared with Cairo's PNG of the same figure.
final class RenderingTests: XCTestCase {
    static let dpi = 144.0
    /// Largest mean absolute difference (0–255 per channel) between our PNG and another renderer's
    /// raster of the SVG / PDF, over single pixels and over 4 × 4 blocks (which averages away
    /// where exactly a renderer puts an antialiased edge, while a moved or missing element still
    /// shows). rsvg-convert draws cairo's glyph outlines almost identically (measured ≤ 2.3 / 0.9);
    /// poppler rasterises the embedded fonts itself, so text-heavy figures differ more (measured
    /// ≤ 4.5 / 2.4). A wrong size, a shifted panel or a missing element gives well over 10.
    static let tolerance: [OutputFormat: (pixels: Double, blocks: Double)] = [
        .svg: (3.5, 1.5),
        .pdf: (6.0, 3.2),
    ]

    /// Renders `figure` in all three formats and checks sizes and agreement; returns the rasters.
    @discardableResult
    private func renderAllFormats(_ figure: Figure, name: String, in dir: TemporaryDirectory,
                                  file: StaticString = #filePath, line: UInt = #line) throws -> [OutputFormat: RasterImage] {
        let dpi = Self.dpi
        let size = try figure.resolvedSize()
        let urls = Dictionary(uniqueKeysWithValues: OutputFormat.allCases.map { ($0, dir.file("\(name).\($0.rawValue)")) })
        for (format, url) in urls { try figure.render(to: url, dpi: dpi) ; _ = format }
        // Both renderers at once: the suite should stay fast.
        let svg = try ExternalRenderer.startRasterizingSVG(urls[.svg]!, dpi: dpi, in: dir)
        let pdf = try ExternalRenderer.startRasterizingPDF(urls[.pdf]!, dpi: dpi, in: dir)
        let page = try XCTUnwrap(ExternalRenderer.pdfPageSize(urls[.pdf]!), file: file, line: line)
        XCTAssertEqual(page.width, size.width, accuracy: 0.01, "PDF page width", file: file, line: line)
        XCTAssertEqual(page.height, size.height, accuracy: 0.01, "PDF page height", file: file, line: line)
        _ = try svg.0.finish()
        _ = try pdf.0.finish()
        let rasters: [OutputFormat: RasterImage] = [
            .png: try RasterImage(contentsOf: urls[.png]!),
            .svg: try RasterImage(contentsOf: svg.1),
            .pdf: try RasterImage(contentsOf: pdf.1),
        ]
        let png = rasters[.png]!
        XCTAssertEqual(png.width, Int((size.width * dpi / 72).rounded()), "PNG width = points × dpi / 72", file: file, line: line)
        XCTAssertEqual(png.height, Int((size.height * dpi / 72).rounded()), "PNG height", file: file, line: line)
        for format in [OutputFormat.svg, .pdf] {
            let other = rasters[format]!
            let sizes = "\(format) raster is \(other.width)×\(other.height), PNG \(png.width)×\(png.height)"
            let raw = try XCTUnwrap(png.meanAbsoluteDifference(to: other), sizes, file: file, line: line)
            let blocks = try XCTUnwrap(png.meanAbsoluteDifference(to: other, blockSize: 4), sizes, file: file, line: line)
            XCTAssertLessThan(raw, Self.tolerance[format]!.pixels, "\(name): \(format) vs PNG", file: file, line: line)
            XCTAssertLessThan(blocks, Self.tolerance[format]!.blocks, "\(name): \(format) vs PNG, 4×4 blocks", file: file, line: line)
        }
        return rasters
    }

    // MARK: Heatmap

    /// 3 × 4 map with the colour map's extremes, a masked cell and a NaN cell at known places.
    private func knownHeatmap() throws -> Heatmap {
        let values: [Float] = [0, 1, 0.5, 0.25,
                               1, 0, 0.7, .nan,
                               0.25, 0.5, 1, 0]
        var mask = [Bool](repeating: false, count: 12)
        mask[6] = true
        return try Heatmap(values: values, rows: 3, cols: 4, rowLabels: ["<s>", "\n", "▁a"],
                           colLabels: ["<0x0A>", "&", "é", "\t"], mask: mask,
                           norm: .linear(min: 0, max: 1), title: "known", xLabel: "key", yLabel: "query")
    }

    private func cellCenter(_ layout: HeatmapLayout, row: Int, col: Int) -> Point {
        Point(x: layout.map.minX + (Double(col) + 0.5) * layout.cellWidth,
              y: layout.map.minY + (Double(row) + 0.5) * layout.cellHeight)
    }

    func testHeatmapKnownCellsInEveryFormat() throws {
        let dir = try TemporaryDirectory()
        let grey = Color(hex: 0xD0D0D0)
        var theme = Theme()
        theme.maskStyle = .solid(grey)
        let map = try knownHeatmap()
        let figure = Figure(width: 360, height: 300, theme: theme, panels: [.heatmap(map)])
        let rasters = try renderAllFormats(figure, name: "known", in: dir)
        XCTAssertEqual(rasters[.png]?.width, 720)
        XCTAssertEqual(rasters[.png]?.height, 600)

        let frame = try XCTUnwrap(figure.panelFrames().first)
        let layout = map.layout(in: frame, norm: try map.resolvedNorm(), theme: theme, text: try MeasuringContext(theme: theme).text)
        let low = Colormap.viridis.color(at: 0), high = Colormap.viridis.color(at: 1)
        for (format, image) in rasters {
            let at = { (r: Int, c: Int) in image.color(atPoint: self.cellCenter(layout, row: r, col: c), dpi: Self.dpi) }
            assertColor(at(0, 0), low, "\(format) cell (0,0) = 0")
            assertColor(at(0, 1), high, "\(format) cell (0,1) = 1")
            assertColor(at(1, 0), high, "\(format) cell (1,0) = 1")
            assertColor(at(2, 3), low, "\(format) cell (2,3) = 0")
            assertColor(at(0, 2), Colormap.viridis.color(at: 0.5), "\(format) cell (0,2) = 0.5")
            assertColor(at(1, 2), grey, "\(format) masked cell")
            assertColor(at(1, 3), grey, "\(format) NaN cell is drawn like a masked one")
        }
    }

    func testHatchedMaskIsNotTheZeroColour() throws {
        let map = try knownHeatmap()
        let figure = Figure(width: 360, height: 300, panels: [.heatmap(map)])
        let image = try RasterImage(pngData: figure.renderData(format: .png, dpi: Self.dpi))
        let frame = try XCTUnwrap(figure.panelFrames().first)
        let layout = map.layout(in: frame, norm: try map.resolvedNorm(), theme: .paper, text: try MeasuringContext(theme: .paper).text)
        let center = cellCenter(layout, row: 1, col: 2)
        // Sample a 5 × 5 patch: hatch fill dominates, with some hatch-line pixels; never the map's colours.
        var fillPixels = 0
        for dy in -2...2 {
            for dx in -2...2 {
                let pixel = try XCTUnwrap(image.color(x: Int(center.x * 2) + dx * 3, y: Int(center.y * 2) + dy * 3))
                let (r, g, b) = pixel.rgb8
                XCTAssertTrue(abs(r - g) <= 2 && abs(g - b) <= 2, "masked pixels are neutral grey, got \(pixel)")
                if pixel.rgb8 == MaskStyle.standard.fill.rgb8 { fillPixels += 1 }
            }
        }
        XCTAssertGreaterThan(fillPixels, 10)
    }

    /// Beside a one-row map the colour bar keeps its readable length; it may reach above the
    /// map but never into the title (it used to cross it).
    func testColorBarOfAFlatMapStaysBelowTheTitle() throws {
        let map = try Heatmap(values: [Float(0), 1], rows: 1, cols: 2, rowLabels: ["<s>"], colLabels: ["<s>", "▁a"],
                              norm: .linear(min: 0, max: 1), title: "attention head 0 (global)", colorBarLabel: "probability")
        let figure = Figure(panels: [.heatmap(map)])
        let image = try RasterImage(pngData: figure.renderData(format: .png, dpi: 72))
        let frame = try XCTUnwrap(figure.panelFrames().first)
        let layout = map.layout(in: frame, norm: try map.resolvedNorm(), theme: .paper, text: try MeasuringContext(theme: .paper).text)
        var titleBottom = -1, barTop = Int.max
        for y in 0..<image.height {
            for x in 0..<image.width {
                guard let (r, g, b) = image.color(x: x, y: y)?.rgb8 else { continue }
                if Double(y) < layout.map.minY - 2, r < 90, g < 90, b < 90 { titleBottom = max(titleBottom, y) }
                // The ramp's top end is viridis yellow (its first row blends with the outline).
                if Double(x) > layout.map.maxX + 1, r > 200, g > 200, b < 80 { barTop = min(barTop, y) }
            }
        }
        XCTAssertGreaterThan(titleBottom, 0, "the title is drawn")
        XCTAssertLessThan(barTop, Int.max, "the bar is drawn")
        XCTAssertGreaterThan(barTop, titleBottom, "colour bar reaches into the title")
    }

    /// Values beyond the scale are drawn in the end colour, and the colour bar says so with a
    /// triangle: the top-left corner of the bar is then background (the triangle's slope), not
    /// the ramp's top colour.
    func testClippedValuesGetATriangleOnTheColorBar() throws {
        func render(max top: Double) throws -> (RasterImage, HeatmapLayout) {
            let map = try Heatmap(values: [0, 0.25, 0.5, 1], rows: 2, cols: 2, norm: .linear(min: 0, max: top))
            let figure = Figure(width: 240, height: 200, panels: [.heatmap(map)])
            let image = try RasterImage(pngData: figure.renderData(format: .png, dpi: 72))
            let frame = try XCTUnwrap(figure.panelFrames().first)
            return (image, map.layout(in: frame, norm: try map.resolvedNorm(), theme: .paper, text: try MeasuringContext(theme: .paper).text))
        }
        for (top, clipped) in [(1.0, false), (0.5, true)] {
            let (image, layout) = try render(max: top)
            let corner = try XCTUnwrap(image.color(x: Int(layout.map.maxX + ColorBar.gap + 1.5), y: Int(layout.map.minY + 1.5))?.rgb8)
            let isYellow = corner.red > 200 && corner.green > 200 && corner.blue < 90
            XCTAssertEqual(isYellow, !clipped, "max \(top): bar corner \(corner)")
            if clipped {
                // The triangle's middle, a few points above the shortened ramp, in the top colour.
                let tip = try XCTUnwrap(image.color(x: Int(layout.map.maxX + ColorBar.gap + ColorBar.barWidth / 2), y: Int(layout.map.minY + 4))?.rgb8)
                XCTAssertTrue(tip.red > 200 && tip.green > 200 && tip.blue < 90, "triangle fill \(tip)")
            }
        }
        let norm = try ResolvedNorm(.linear(min: 0, max: 0.5), values: [0, 1], what: "t")
        XCTAssertEqual(norm.clipping(of: [0, 0.5]), .init(below: false, above: false))
        XCTAssertEqual(norm.clipping(of: [-0.1, 0.7]), .init(below: true, above: true))
        let log = try ResolvedNorm(.log(min: 1e-3, max: 1), values: [1], what: "t")
        XCTAssertEqual(log.clipping(of: [0, 1e-4]), .init(below: true, above: false), "zero is the log scale's zero colour, 1e-4 is cut off")
    }

    func testHeatmapOptionsRender() throws {
        let dir = try TemporaryDirectory()
        var attention = try Fixtures.attentionHeatmap(n: 12)
        attention.cellValueDecimals = 2
        attention.leadingGroup = LeadingGroup(rows: 2, cols: 2, label: "meta")
        let (values, mask) = Fixtures.causalAttention(n: 150)
        var long = try Heatmap(values: values, rows: 150, cols: 150, mask: mask, norm: .log(), title: "150 tokens")
        long.leadingGroup = LeadingGroup(rows: 0, cols: 10, label: "meta")
        let diff = try Heatmap(values: (0..<64).map { sin(Double($0) / 5) * 0.3 }, rows: 8, cols: 8,
                               colormap: .rdBu.reversed, norm: .symmetric(), title: "difference")
        try renderAllFormats(Figure(width: 720, height: 280, columns: 3, panels: [.heatmap(attention), .heatmap(long), .heatmap(diff)]),
                             name: "heatmaps", in: dir)

        let crop = try long.cropped(rows: 100..<150, cols: 0..<150)
        XCTAssertEqual(crop.rows, 50)
        XCTAssertEqual(crop.rowLabel(0), "100")
        XCTAssertEqual(crop.leadingGroup, LeadingGroup(rows: 0, cols: 10, label: "meta"))
        XCTAssertThrowsError(try long.cropped(rows: 140..<160, cols: 0..<10))
    }

    func testCellValueTextContrastsWithCell() throws {
        var map = try Heatmap(values: [0, 1], rows: 1, cols: 2, norm: .linear(min: 0, max: 1))
        map.cellValueDecimals = 1
        map.showsColorBar = false
        let figure = Figure(width: 200, height: 140, panels: [.heatmap(map)])
        let image = try RasterImage(pngData: figure.renderData(format: .png, dpi: Self.dpi))
        let frame = try XCTUnwrap(figure.panelFrames().first)
        let layout = map.layout(in: frame, norm: try map.resolvedNorm(), theme: .paper, text: try MeasuringContext(theme: .paper).text)
        func luminances(col: Int) -> [Double] {
            let center = cellCenter(layout, row: 0, col: col)
            var values: [Double] = []
            for dy in -6...6 { for dx in -10...10 {
                if let c = image.color(x: Int(center.x * 2) + dx, y: Int(center.y * 2) + dy) { values.append(c.relativeLuminance) }
            } }
            return values
        }
        // Dark cell (0 → viridis purple) carries white text; light cell (1 → yellow) dark text.
        XCTAssertGreaterThan(luminances(col: 0).max()!, 0.8)
        XCTAssertLessThan(luminances(col: 1).min()!, 0.1)
    }

    /// Words in cells (the logit lens grid) come out the same in PNG, SVG and PDF.
    func testCellTextsInEveryFormat() throws {
        let dir = try TemporaryDirectory()
        var map = try Heatmap(values: [0.05, 0.9, 0.4, 0.7, 0.2, 1], rows: 2, cols: 3, rowLabels: ["layer 1", "layer 0"],
                              colLabels: ["<s>", "▁The", "▁cat"], norm: .linear(min: 0, max: 1),
                              title: "logit lens", xLabel: "position", yLabel: "layer", colorBarLabel: "p(top-1)")
        map.cellTexts = try CellTexts(rows: 2, cols: 3, primary: ["▁the", "\n", "▁sat", "<0x0A>", "▁mat", "."],
                                      secondary: ["#1", "#12", "#3", "#140", "#2", "#1"])
        try renderAllFormats(Figure(panels: [.heatmap(map)]), name: "cell-texts", in: dir)
    }

    // MARK: Other plot types

    func testLinePlots() throws {
        let dir = try TemporaryDirectory()
        var log = try Fixtures.linePlot()
        log.yScale = .log
        log.legend = .outsideRight
        let gappy = try LinePlot(series: [LineSeries(name: "with gap", y: [1, 2, .nan, 4, 5], markers: .none)])
        try renderAllFormats(Figure(width: 720, height: 220, columns: 3, panels: [.line(Fixtures.linePlot()), .line(log), .line(gappy)]),
                             name: "lines", in: dir)
        let image = try RasterImage(pngData: Fixtures.linePlot().renderData(format: .png, dpi: 72))
        XCTAssertGreaterThan(count(of: CategoricalPalette.tolBright.color(0), in: image), 100, "first series in palette colour 0")
    }

    func testBarCharts() throws {
        let dir = try TemporaryDirectory()
        try renderAllFormats(Figure(width: 600, height: 220, columns: 2, panels: [.bar(Fixtures.stackedBars()), .bar(Fixtures.groupedBars())]),
                             name: "bars", in: dir)
        let single = try BarChart(categories: ["a", "b"], series: [BarSeries(name: "only", values: [1.0, 1.0], color: Color(hex: 0x228833))])
        let image = try RasterImage(pngData: Figure(width: 300, height: 200, panels: [.bar(single)]).renderData(format: .png))
        XCTAssertGreaterThan(count(of: Color(hex: 0x228833), in: image), 10_000, "two tall bars of the given colour")
    }

    /// Error bars reach value ± error: the axis grows to hold them and a dark line stands above
    /// the bar's top, centred on it; a bar without an error has none.
    func testGroupedBarsDrawErrorBars() throws {
        let green = Color(hex: 0x228833)
        let bars = try BarChart(categories: ["a", "b"], series: [
            BarSeries(name: "only", values: [1.0, 1.0], color: green, errors: [0.5, .nan]),
        ])
        let image = try RasterImage(pngData: Figure(width: 300, height: 200, panels: [.bar(bars)]).renderData(format: .png, dpi: 72))
        // Columns of green bar pixels, and the top row of each bar.
        func isGreen(_ x: Int, _ y: Int) -> Bool {
            guard let (r, g, b) = image.color(x: x, y: y)?.rgb8 else { return false }
            return abs(r - 0x22) <= 6 && abs(g - 0x88) <= 6 && abs(b - 0x33) <= 6
        }
        let columns = (0..<image.width).filter { x in (0..<image.height).contains { isGreen(x, $0) } }
        let halves = [columns.filter { $0 < image.width / 2 }, columns.filter { $0 >= image.width / 2 }]
        for (index, bar) in halves.enumerated() {
            let center = (bar.first! + bar.last!) / 2
            let top = (0..<image.height).first { isGreen(center, $0) }!
            let darkAbove = (0..<top).filter { y in
                guard let (r, g, b) = image.color(x: center, y: y)?.rgb8 else { return false }
                return r < 110 && g < 110 && b < 110
            }
            if index == 0 {
                // 1 ± 0.5 on an axis to ≥ 1.5: the whisker rises about half the bar's height.
                XCTAssertGreaterThan(darkAbove.count, 10, "error bar above bar a")
            } else {
                XCTAssertEqual(darkAbove.count, 0, "bar b has no error bar")
            }
        }
        XCTAssertThrowsError(try BarChart(categories: ["a", "b"], series: [BarSeries(name: "s", values: [1.0, 2.0], errors: [0.1])]))
    }

    func testBoxPlots() throws {
        let dir = try TemporaryDirectory()
        var single = try BoxPlot(categories: ["a", "b", "empty"],
                                 samples: [Fixtures.samples(seed: 1, count: 40, center: 1, spread: 0.3),
                                           Fixtures.samples(seed: 2, count: 40, center: 2, spread: 0.5), [.nan]])
        single.yScale = .log
        try renderAllFormats(Figure(width: 640, height: 220, columns: 2, panels: [.box(Fixtures.boxPlot()), .box(single)]),
                             name: "boxes", in: dir)
        let image = try RasterImage(pngData: Fixtures.boxPlot().renderData(format: .png, dpi: 72))
        let boxFill = CategoricalPalette.tolBright.color(2).mixed(with: .white, fraction: 0.25)
        XCTAssertGreaterThan(count(of: boxFill, in: image), 200, "third group's boxes in its palette colour")
    }

    func testSmallMultiplesShareOneScale() throws {
        let dir = try TemporaryDirectory()
        try renderAllFormats(Figure(panels: [.smallMultiples(Fixtures.smallMultiples())]), name: "grid", in: dir)

        // Two constant maps: all-zero and all-one must show the map's two extremes.
        let grid = try SmallMultiples(maps: [[Float](repeating: 0, count: 4), [Float](repeating: 1, count: 4)],
                                      mapRows: 2, mapCols: 2, gridRows: 1, gridCols: 2)
        let figure = Figure(width: 300, height: 160, panels: [.smallMultiples(grid)])
        let image = try RasterImage(pngData: figure.renderData(format: .png, dpi: Self.dpi))
        XCTAssertGreaterThan(count(of: Colormap.viridis.color(at: 0), in: image), 2000)
        XCTAssertGreaterThan(count(of: Colormap.viridis.color(at: 1), in: image), 2000)
    }

    func testPanelsSideBySide() throws {
        let dir = try TemporaryDirectory()
        var attention = try Fixtures.attentionHeatmap(n: 10)
        attention.title = "attention"
        var ssm = try Fixtures.attentionHeatmap(n: 10)
        ssm.title = "SSM"
        ssm.colormap = .magma
        let pair = Figure(columns: 2, title: "layer 0, head 0", panels: [.heatmap(attention), .heatmap(ssm)])
        try renderAllFormats(pair, name: "pair", in: dir)
        let single = try Figure(panels: [.heatmap(attention)]).resolvedSize()
        let double = try pair.resolvedSize()
        XCTAssertEqual(double.width, 2 * single.width - Figure.padding, accuracy: 1, "two panels, one shared margin")

        let mixed = Figure(width: 640, height: 480, columns: 2, panels: [
            .line(try Fixtures.linePlot()), .bar(try Fixtures.stackedBars()), .box(try Fixtures.boxPlot()), .empty,
        ])
        XCTAssertEqual(try mixed.resolvedSize(), Size(width: 640, height: 480))
        let frames = try mixed.panelFrames()
        XCTAssertEqual(frames.count, 4)
        XCTAssertEqual(frames[0].minY, frames[1].minY)
        XCTAssertEqual(frames[0].minX, frames[2].minX)
        XCTAssertGreaterThan(frames[1].minX, frames[0].maxX)
        let image = try RasterImage(pngData: mixed.renderData(format: .png, dpi: 72))
        XCTAssertEqual(image.width, 640)
    }

    func testLargeHeatmapIsQuick() throws {
        let n = 512
        let values = (0..<(n * n)).map { Float(($0 * 7919) % 1000) / 1000 }
        let map = try Heatmap(values: values, rows: n, cols: n)
        let start = Date()
        let data = try map.renderData(format: .png, dpi: 72)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertGreaterThan(data.count, 1000)
    }

    /// Pixels within 6 steps of `color`.
    private func count(of color: Color, in image: RasterImage) -> Int {
        let (r, g, b) = color.rgb8
        var total = 0
        image.rgba.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                if abs(Int(p[i]) &- r) <= 6, abs(Int(p[i &+ 1]) &- g) <= 6, abs(Int(p[i &+ 2]) &- b) <= 6 { total &+= 1 }
                i &+= 4
            }
        }
        return total
    }
}
