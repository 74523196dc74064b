import XCTest
@testable import HymbaPlot

/// Heatmaps with words in their cells (the logit lens grid): cells sized for the text, text in
/// the contrasting colour, long text cut inside its cell, shapes checked.
final class CellTextTests: XCTestCase {
    static let dpi = 144.0

    private func map(_ primary: [String], secondary: [String]? = nil, values: [Double] = [0, 1, 0.5, 0.25, 1, 0]) throws -> Heatmap {
        var map = try Heatmap(values: values, rows: 2, cols: 3, rowLabels: ["layer 1", "layer 0"],
                              colLabels: ["<s>", "▁The", "▁cat"], norm: .linear(min: 0, max: 1))
        map.cellTexts = try CellTexts(rows: 2, cols: 3, primary: primary, secondary: secondary)
        return map
    }

    private func layout(_ map: Heatmap, in figure: Figure) throws -> HeatmapLayout {
        let frame = try XCTUnwrap(figure.panelFrames().first)
        return map.layout(in: frame, norm: try map.resolvedNorm(), theme: .paper, text: try MeasuringContext(theme: .paper).text)
    }

    /// Every pixel of one cell, inset by `inset` points.
    private func pixels(_ image: RasterImage, _ layout: HeatmapLayout, row: Int, col: Int, inset: Double = 1) -> [Color] {
        let scale = Self.dpi / 72
        let x0 = layout.map.minX + Double(col) * layout.cellWidth + inset, x1 = x0 + layout.cellWidth - 2 * inset
        let y0 = layout.map.minY + Double(row) * layout.cellHeight + inset, y1 = y0 + layout.cellHeight - 2 * inset
        var out: [Color] = []
        for y in Int((y0 * scale).rounded(.up))..<Int((y1 * scale).rounded(.down)) {
            for x in Int((x0 * scale).rounded(.up))..<Int((x1 * scale).rounded(.down)) {
                if let c = image.color(x: x, y: y) { out.append(c) }
            }
        }
        return out
    }

    func testCellsAreSizedForTheirText() throws {
        let text = try MeasuringContext(theme: .paper).text
        let short = try map(["a", "b", "c", "d", "e", "f"]).cellTextSize(theme: .paper, text: text)!
        let long = try map(["▁wonderful", "b", "c", "d", "e", "f"]).cellTextSize(theme: .paper, text: text)!
        let endless = try map([String(repeating: "▁extraordinarily", count: 4), "b", "c", "d", "e", "f"]).cellTextSize(theme: .paper, text: text)!
        XCTAssertEqual(short.width, Legibility.preferredCellSize, "one letter keeps the standard 16 pt cell")
        XCTAssertGreaterThan(long.width, short.width)
        XCTAssertEqual(endless.width, CellTexts.maximumCellWidth, "cells stop growing at the maximum")
        let twoLines = try map(["a", "b", "c", "d", "e", "f"], secondary: ["#1", "#2", "#3", "#4", "#5", "#6"]).cellTextSize(theme: .paper, text: text)!
        XCTAssertGreaterThan(twoLines.height, short.height - 0.5)
        // The figure follows: wider cells, wider map.
        let narrow = try Figure(panels: [.heatmap(map(["a", "b", "c", "d", "e", "f"]))]).resolvedSize()
        let wide = try Figure(panels: [.heatmap(map(["▁wonderful", "b", "c", "d", "e", "f"]))]).resolvedSize()
        XCTAssertEqual(wide.width - narrow.width, 3 * (long.width - short.width), accuracy: 0.01 + 1)
    }

    /// Dark cells carry white text, light cells dark text; away from the text the cell keeps its colour.
    func testTextContrastsWithItsCellAndLeavesTheCellColour() throws {
        let heatmap = try map(["W", "W", "W", "W", "W", "W"], secondary: ["#1", "#2", "#3", "#4", "#5", "#6"])
        let figure = Figure(panels: [.heatmap(heatmap)])
        let image = try RasterImage(pngData: figure.renderData(format: .png, dpi: Self.dpi))
        let layout = try layout(heatmap, in: figure)
        for (index, value) in heatmap.values.enumerated() {
            let (r, c) = (index / 3, index % 3)
            let cell = Colormap.viridis.color(at: value)
            let seen = pixels(image, layout, row: r, col: c)
            // The cell colour dominates (text covers a small part of it) …
            let plain = seen.filter { abs($0.red - cell.red) < 0.02 && abs($0.green - cell.green) < 0.02 && abs($0.blue - cell.blue) < 0.02 }
            XCTAssertGreaterThan(Double(plain.count), 0.5 * Double(seen.count), "cell (\(r), \(c)) keeps its colour")
            // … and the text is there, in the contrasting colour.
            let luminances = seen.map(\.relativeLuminance)
            if cell.relativeLuminance > 0.179 {
                XCTAssertLessThan(luminances.min()!, 0.05, "dark text on the light cell (\(r), \(c))")
            } else {
                XCTAssertGreaterThan(luminances.max()!, 0.7, "white text on the dark cell (\(r), \(c))")
            }
        }
    }

    /// A text longer than the widest cell is cut with "…" inside its own cell: the neighbour
    /// cell stays one plain colour.
    func testLongTextStaysInsideItsCell() throws {
        let long = String(repeating: "▁extraordinarily", count: 4)
        let heatmap = try map([long, "", "", "", "", ""], values: [0, 0, 0, 0, 0, 0])
        let figure = Figure(panels: [.heatmap(heatmap)])
        let image = try RasterImage(pngData: figure.renderData(format: .png, dpi: Self.dpi))
        let layout = try layout(heatmap, in: figure)
        XCTAssertEqual(layout.cellWidth, CellTexts.maximumCellWidth, accuracy: 0.5)
        let cell = Colormap.viridis.color(at: 0)
        for c in [1, 2] {
            for pixel in pixels(image, layout, row: 0, col: c, inset: 0.5) { assertColor(pixel, cell, "cell (0, \(c)) has no ink") }
        }
        XCTAssertTrue(pixels(image, layout, row: 0, col: 0).contains { $0.relativeLuminance > 0.7 }, "the cut text is drawn")
    }

    func testMaskedCellsShowNoText() throws {
        var heatmap = try Heatmap(values: [0.0, 0.0], rows: 1, cols: 2, mask: [false, true], norm: .linear(min: 0, max: 1))
        heatmap.cellTexts = try CellTexts(rows: 1, cols: 2, primary: ["W", "W"])
        var theme = Theme()
        theme.maskStyle = .solid(Color(hex: 0xD0D0D0))
        let figure = Figure(theme: theme, panels: [.heatmap(heatmap)])
        let image = try RasterImage(pngData: figure.renderData(format: .png, dpi: Self.dpi))
        let layout = try layout(heatmap, in: figure)
        for pixel in pixels(image, layout, row: 0, col: 1, inset: 0.5) { assertColor(pixel, Color(hex: 0xD0D0D0), "masked cell") }
    }

    func testShapesAreChecked() throws {
        XCTAssertThrowsError(try CellTexts(rows: 2, cols: 3, primary: ["a"])) {
            XCTAssertEqual($0 as? PlotError, .countMismatch(what: "cell texts for 2 × 3", expected: 6, actual: 1))
        }
        XCTAssertThrowsError(try CellTexts(rows: 1, cols: 2, primary: ["a", "b"], secondary: ["x"]))
        var heatmap = try Heatmap(values: [0.0, 1], rows: 1, cols: 2)
        heatmap.cellTexts = try CellTexts(rows: 2, cols: 1, primary: ["a", "b"])
        XCTAssertThrowsError(try Figure(panels: [.heatmap(heatmap)]).renderData(format: .png)) {
            XCTAssertTrue("\($0)".contains("cell texts (2 × 1) of a 1 × 2 heatmap"), "\($0)")
        }
    }

    func testCroppingKeepsTheTextsOfTheWindow() throws {
        let heatmap = try map(["a", "b", "c", "d", "e", "f"], secondary: ["1", "2", "3", "4", "5", "6"])
        let crop = try heatmap.cropped(rows: 1..<2, cols: 1..<3)
        XCTAssertEqual(crop.cellTexts, try CellTexts(rows: 1, cols: 2, primary: ["e", "f"], secondary: ["5", "6"]))
    }
}
