import Foundation
import XCTest
@testable import HymbaPlot

/// Small, deterministic figures shared by the tests and the sample writer.
enum Fixtures {
    static let tokens = ["<s>", "▁The", "▁cat", "<0x0A>", "\n", "▁sat", "&amp;", "▁<b>", "é", "猫", "\t", "▁on"]

    /// A causal attention-like map: row-normalised, masked above the diagonal.
    static func causalAttention(n: Int) -> (values: [Float], mask: [Bool]) {
        var values = [Float](repeating: 0, count: n * n)
        var mask = [Bool](repeating: false, count: n * n)
        for r in 0..<n {
            var total: Float = 0
            for c in 0...r {
                let w = Float(c == 0 ? 3 : 1) / Float(1 + r - c)
                values[r * n + c] = w
                total += w
            }
            for c in 0..<n {
                if c <= r { values[r * n + c] /= total } else { mask[r * n + c] = true }
            }
        }
        return (values, mask)
    }

    static func attentionHeatmap(n: Int = 12) throws -> Heatmap {
        let (values, mask) = causalAttention(n: n)
        let labels = (0..<n).map { tokens[$0 % tokens.count] }
        return try Heatmap(values: values, rows: n, cols: n, rowLabels: labels, colLabels: labels, mask: mask,
                           norm: .linear(min: 0, max: 1), title: "layer 3 · head 1", xLabel: "key", yLabel: "query",
                           colorBarLabel: "attention probability")
    }

    static func linePlot() throws -> LinePlot {
        let layers = 0..<16
        return try LinePlot(series: [
            LineSeries(name: "attention", y: layers.map { 1.0 + 0.3 * Double($0) + sin(Double($0)) * 0.4 }),
            LineSeries(name: "SSM", y: layers.map { 2.5 + 0.1 * Double($0) * Double($0) / 4 }),
            LineSeries(name: "residual", y: layers.map { 4.0 + Double($0) * 0.5 }, dash: .dashed),
        ], title: "branch output norm per layer", xLabel: "layer", yLabel: "‖output‖₂")
    }

    static func stackedBars() throws -> BarChart {
        let layers = 12
        var meta: [Double] = [], bos: [Double] = [], selfShare: [Double] = [], other: [Double] = []
        for l in 0..<layers {
            let m = 0.15 + 0.5 * Double(l % 4) / 4, b = 0.2 - Double(l) * 0.01, s = 0.1 + Double(l % 3) * 0.05
            meta.append(m); bos.append(b); selfShare.append(s); other.append(1 - m - b - s)
        }
        var chart = try BarChart(categories: (0..<layers).map(String.init), series: [
            BarSeries(name: "meta", values: meta), BarSeries(name: "BOS", values: bos),
            BarSeries(name: "self", values: selfShare), BarSeries(name: "other", values: other),
        ], arrangement: .stacked, title: "where attention goes", xLabel: "layer", yLabel: "share of attention")
        chart.yLimits = 0...1
        return chart
    }

    static func groupedBars() throws -> BarChart {
        try BarChart(categories: ["global", "local", "SSM"], series: [
            BarSeries(name: "1.5B", values: [0.42, 0.31, 0.27]),
            BarSeries(name: "350M", values: [0.38, 0.35, 0.21]),
        ], title: "grouped", yLabel: "fraction")
    }

    /// Deterministic pseudo-random samples (no global RNG state).
    static func samples(seed: UInt64, count: Int, center: Double, spread: Double) -> [Double] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            var total = 0.0
            for _ in 0..<4 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                total += Double(state >> 11) / Double(1 << 53)
            }
            var v = center + (total - 2) * spread
            if state % 17 == 0 { v += spread * 3 }  // occasional outlier
            return v
        }
    }

    static func boxPlot() throws -> BoxPlot {
        let categories = (0..<6).map { "meta \($0)" }
        let groups = ["code", "math", "prose"]
        let data = categories.indices.map { c in
            groups.indices.map { g in Fixtures.samples(seed: UInt64(c * 10 + g), count: 60, center: 0.1 + 0.05 * Double(c + g), spread: 0.05) }
        }
        return try BoxPlot(categories: categories, groups: groups, samples: data, title: "attention to meta tokens by domain",
                           xLabel: "meta token", yLabel: "attention received")
    }

    static func smallMultiples(layers: Int = 4, heads: Int = 5, n: Int = 10) throws -> SmallMultiples {
        let (base, mask) = causalAttention(n: n)
        let maps = (0..<(layers * heads)).map { index in
            base.enumerated().map { i, v in v * Float(0.5 + 0.5 * Double((index + i) % 7) / 6) }
        }
        var grid = try SmallMultiples(maps: maps, mapRows: n, mapCols: n, gridRows: layers, gridCols: heads, mask: mask,
                                      rowTitles: (0..<layers).map { "layer \($0)" }, colTitles: (0..<heads).map { "head \($0)" },
                                      norm: .power(gamma: 0.5, min: 0, max: 1), title: "attention, all heads",
                                      colorBarLabel: "probability")
        grid.rowAxisLabel = "layer"
        grid.colAxisLabel = "head"
        return grid
    }
}

/// Writes sample figures for eyeballing when HYMBAPLOT_SAMPLES names a directory.
final class SampleFigureWriter: XCTestCase {
    func testWriteSamples() throws {
        guard let directory = ProcessInfo.processInfo.environment["HYMBAPLOT_SAMPLES"] else {
            throw XCTSkip("set HYMBAPLOT_SAMPLES=/some/dir to write sample figures")
        }
        let dir = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var attention = try Fixtures.attentionHeatmap()
        attention.cellValueDecimals = 2
        attention.leadingGroup = LeadingGroup(rows: 2, cols: 2, label: "meta")
        try attention.render(to: dir.appendingPathComponent("heatmap.png"))
        try attention.render(to: dir.appendingPathComponent("heatmap.pdf"))
        try attention.render(to: dir.appendingPathComponent("heatmap.svg"))

        let (long, longMask) = Fixtures.causalAttention(n: 200)
        var longMap = try Heatmap(values: long, rows: 200, cols: 200,
                                  rowLabels: (0..<200).map { Fixtures.tokens[$0 % 12] + "\($0)" },
                                  colLabels: (0..<200).map { Fixtures.tokens[$0 % 12] + "\($0)" }, mask: longMask,
                                  norm: .log(), title: "200 tokens, log norm", xLabel: "key", yLabel: "query")
        longMap.leadingGroup = LeadingGroup(rows: 16, cols: 16, label: "meta")
        try longMap.render(to: dir.appendingPathComponent("heatmap-long.png"))

        let diff = try Heatmap(values: (0..<64).map { sin(Double($0) / 5) * 0.3 }, rows: 8, cols: 8,
                               colormap: .rdBu.reversed, norm: .symmetric(), title: "attention − SSM",
                               colorBarLabel: "difference")
        let ssm = try Heatmap(values: Fixtures.causalAttention(n: 12).values.map { $0 * 0.8 }, rows: 12, cols: 12,
                              rowLabels: Array(Fixtures.tokens), colLabels: Array(Fixtures.tokens),
                              mask: Fixtures.causalAttention(n: 12).mask, colormap: .magma,
                              norm: .linear(min: 0, max: 1), title: "SSM", xLabel: "source", yLabel: "target")
        var attn = try Fixtures.attentionHeatmap()
        attn.title = "attention"
        try Figure(columns: 2, title: "layer 3, head 1", panels: [.heatmap(attn), .heatmap(ssm)])
            .render(to: dir.appendingPathComponent("side-by-side.png"))
        try diff.render(to: dir.appendingPathComponent("diverging.png"))
        try Fixtures.linePlot().render(to: dir.appendingPathComponent("lines.png"))
        var logLines = try Fixtures.linePlot()
        logLines.yScale = .log
        logLines.title = "log y"
        try logLines.render(to: dir.appendingPathComponent("lines-log.png"))
        try Fixtures.stackedBars().render(to: dir.appendingPathComponent("bars-stacked.png"))
        try Fixtures.groupedBars().render(to: dir.appendingPathComponent("bars-grouped.png"))
        try Fixtures.boxPlot().render(to: dir.appendingPathComponent("box.png"))
        try Fixtures.smallMultiples().render(to: dir.appendingPathComponent("grid.png"))
        try Fixtures.smallMultiples(layers: 32, heads: 25, n: 24).render(to: dir.appendingPathComponent("grid-large.png"))
        let (forty, fortyMask) = Fixtures.causalAttention(n: 40)
        let fortyMap = try Heatmap(values: forty, rows: 40, cols: 40, rowLabels: (0..<40).map { Fixtures.tokens[$0 % 12] },
                                   colLabels: (0..<40).map { Fixtures.tokens[$0 % 12] },
                                   mask: zip(fortyMask, AttentionMask.slidingWindow(size: 40, window: 8, alwaysVisiblePrefix: 4)).map { $0 || $1 },
                                   norm: .power(gamma: 0.5), title: "sliding window, 240 pt")
        try fortyMap.render(to: dir.appendingPathComponent("heatmap-small-figure.png"), width: 240, height: 240)
        let lastRow = try Heatmap(values: (0..<24).map { 1 / Double($0 + 1) }, rows: 1, cols: 24,
                                  rowLabels: ["last"], colLabels: (0..<24).map { Fixtures.tokens[$0 % 12] },
                                  title: "one query")
        try lastRow.render(to: dir.appendingPathComponent("heatmap-row.png"))
        let layerHead = try Heatmap(values: (0..<(32 * 25)).map { Double(($0 * 37) % 101) / 100 }, rows: 32, cols: 25,
                                    colormap: .cividis, title: "sink score per head", xLabel: "head", yLabel: "layer",
                                    colorBarLabel: "score")
        try layerHead.render(to: dir.appendingPathComponent("layer-head.png"))
        let manyBoxes = try BoxPlot(categories: (0..<40).map { "meta token \($0)" },
                                    samples: (0..<40).map { Fixtures.samples(seed: UInt64($0), count: 30, center: 0.2, spread: 0.05) },
                                    title: "40 categories", yLabel: "attention")
        try manyBoxes.render(to: dir.appendingPathComponent("box-many.png"))
        try Figure(columns: 2, panels: [.line(Fixtures.linePlot()), .bar(Fixtures.stackedBars()),
                                        .box(Fixtures.boxPlot()), .heatmap(diff)])
            .render(to: dir.appendingPathComponent("panels.pdf"))
    }
}
