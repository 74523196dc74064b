import Foundation

/// Distributions per category as Tukey boxes — median, quartiles, whiskers at 1.5 IQR, outliers
/// as dots — optionally split by a second factor drawn side by side in palette colours (as the
/// Hymba paper's meta-token attention by domain).
///
/// **Missing values**: NaN and ±∞ samples (and samples ≤ 0 on a log axis) are dropped; a
/// category/group left with no samples draws no box.
///
/// ```swift
/// let plot = try BoxPlot(categories: ["meta 0", "meta 1", "meta 2"], groups: ["code", "math", "prose"],
///                        samples: scores,   // scores[category][group] = [Double]
///                        yLabel: "attention received")
/// ```
public struct BoxPlot: Sendable {
    public let categories: [String]
    /// Names of the second factor; nil for one box per category.
    public let groups: [String]?
    /// `samples[category][group]`; a single group when `groups` is nil.
    public let samples: [[[Double]]]

    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var yScale: AxisScale = .linear
    public var showsOutliers = true
    public var legend: LegendPlacement = .automatic
    public var yLimits: ClosedRange<Double>?

    /// One box per category.
    /// - Throws: `PlotError.emptyData` without categories, `.countMismatch` when `samples` does
    ///   not have one list per category.
    public init(categories: [String], samples: [[Double]], title: String? = nil, xLabel: String? = nil,
                yLabel: String? = nil) throws {
        guard !categories.isEmpty else { throw PlotError.emptyData(what: "box plot categories") }
        guard samples.count == categories.count else {
            throw PlotError.countMismatch(what: "box plot samples (one list per category)",
                                          expected: categories.count, actual: samples.count)
        }
        self.categories = categories
        self.groups = nil
        self.samples = samples.map { [$0] }
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Boxes per category and group, groups side by side with a legend.
    /// - Throws: `PlotError.emptyData` without categories or groups, `.countMismatch` when
    ///   `samples` is not `categories.count × groups.count` lists.
    public init(categories: [String], groups: [String], samples: [[[Double]]], title: String? = nil,
                xLabel: String? = nil, yLabel: String? = nil) throws {
        guard !categories.isEmpty else { throw PlotError.emptyData(what: "box plot categories") }
        guard !groups.isEmpty else { throw PlotError.emptyData(what: "box plot groups") }
        guard samples.count == categories.count else {
            throw PlotError.countMismatch(what: "box plot samples (one entry per category)",
                                          expected: categories.count, actual: samples.count)
        }
        for (i, perGroup) in samples.enumerated() where perGroup.count != groups.count {
            throw PlotError.countMismatch(what: "box plot samples for category '\(categories[i])' (one list per group)",
                                          expected: groups.count, actual: perGroup.count)
        }
        self.categories = categories
        self.groups = groups
        self.samples = samples
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    private var groupCount: Int { groups?.count ?? 1 }

    /// Statistics per [category][group], over the samples the y scale can show.
    func statistics() -> [[BoxStatistics?]] {
        samples.map { perGroup in
            perGroup.map { BoxStatistics(samples: yScale == .log ? $0.filter { $0 > 0 } : $0) }
        }
    }

    func validate() throws { _ = try yAxis(statistics()) }

    private func yAxis(_ stats: [[BoxStatistics?]]) throws -> ValueAxis {
        var values: [Double] = []
        for box in stats.joined().compactMap({ $0 }) {
            values += [box.lowerWhisker, box.upperWhisker]
            if showsOutliers { values += box.outliers }
        }
        let what = "box plot" + (title.map { " '\($0)'" } ?? "")
        if values.isEmpty, yScale == .log, samples.joined().joined().contains(where: \.isFinite) {
            throw PlotError.invalidArgument("\(what): a log y axis needs at least one positive value")
        }
        return try ValueAxis(scale: yScale, values: values, padding: 0.05, fixed: yLimits, what: what)
    }

    func preferredSize() -> Size {
        let perCategory = 14.0 * Double(groupCount) + 12
        return Size(width: min(BarChart.maximumAutomaticWidth, max(320, 90 + perCategory * Double(categories.count))), height: 250)
    }

    private func boxFrame(category: Int, group: Int, plot: Rect) -> (x: Double, width: Double) {
        let slot = plot.width / Double(categories.count)
        let span = slot * 0.8
        let width = span / Double(groupCount)
        return (plot.minX + Double(category) * slot + slot * 0.1 + Double(group) * width, width)
    }

    func draw(in frame: Rect, canvas: Canvas, theme: Theme) throws {
        let stats = statistics()
        let y = try yAxis(stats)
        let colors = (0..<groupCount).map { theme.palette.color($0) }
        let entries = (groups ?? []).enumerated().map { LegendEntry(label: $1, color: colors[$0], symbol: .patch) }
        let decoration = AxesDecoration(title: title, xLabel: xLabel, yLabel: yLabel, x: .categories(categories), y: y,
                                        legend: entries.isEmpty ? nil : Legend(entries: entries, theme: theme),
                                        legendPlacement: legend)
        func screenY(_ v: Double, _ plot: Rect) -> Double? {
            y.fraction(v).map { plot.maxY - $0 * plot.height }
        }
        let layout = AxesLayout(decoration, frame: frame, theme: theme, text: canvas.text) { plot, _ in
            var boxes: [Rect] = []
            for (c, perGroup) in stats.enumerated() {
                for (g, box) in perGroup.enumerated() {
                    guard let box, let top = screenY(box.upperWhisker, plot), let bottom = screenY(box.lowerWhisker, plot) else { continue }
                    let (x, w) = boxFrame(category: c, group: g, plot: plot)
                    boxes.append(Rect(x: x, y: top - 3, width: w, height: bottom - top + 6))
                    for o in box.outliers where showsOutliers {
                        if let oy = screenY(o, plot) { boxes.append(Rect(x: x, y: oy - 3, width: w, height: 6)) }
                    }
                }
            }
            return boxes
        }
        layout.drawGrid(decoration, canvas: canvas, theme: theme)
        let plot = layout.plot
        canvas.clipped(to: plot.inset(by: -3)) {
            for (c, perGroup) in stats.enumerated() {
                for (g, box) in perGroup.enumerated() {
                    guard let box else { continue }
                    let (x0, slotWidth) = boxFrame(category: c, group: g, plot: plot)
                    let width = slotWidth * (groupCount > 1 ? 0.85 : 0.6)
                    let x = x0 + (slotWidth - width) / 2, mid = x0 + slotWidth / 2
                    let edge = colors[g].mixed(with: .black, fraction: 0.35)
                    guard let q1 = screenY(box.lowerQuartile, plot), let q3 = screenY(box.upperQuartile, plot),
                          let median = screenY(box.median, plot) else { continue }
                    if let low = screenY(box.lowerWhisker, plot), let high = screenY(box.upperWhisker, plot) {
                        canvas.line(from: Point(x: mid, y: q1), to: Point(x: mid, y: low), edge, width: 0.8)
                        canvas.line(from: Point(x: mid, y: q3), to: Point(x: mid, y: high), edge, width: 0.8)
                        for end in [low, high] {
                            canvas.line(from: Point(x: mid - width * 0.25, y: end), to: Point(x: mid + width * 0.25, y: end), edge, width: 0.8)
                        }
                    }
                    let body = Rect(x: x, y: min(q1, q3), width: width, height: max(abs(q1 - q3), 0.5))
                    canvas.fill(body, colors[g].mixed(with: .white, fraction: 0.25))
                    canvas.stroke(body, edge, width: 0.8)
                    canvas.line(from: Point(x: x, y: median), to: Point(x: x + width, y: median), Color(hex: 0x1A1A1A), width: 1.4)
                    if showsOutliers {
                        for o in box.outliers {
                            guard let oy = screenY(o, plot) else { continue }
                            canvas.marker(.circle, at: Point(x: mid, y: oy), size: 3.2, fill: nil, stroke: edge, lineWidth: 0.6)
                        }
                    }
                }
            }
        }
        layout.drawDecoration(decoration, frame: frame, canvas: canvas, theme: theme)
    }
}

extension BoxPlot: PanelConvertible {
    public var panel: Panel { .box(self) }
}
