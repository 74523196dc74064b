import Foundation

/// One named set of bars, a value per category.
public struct BarSeries: Sendable {
    public var name: String
    public let values: [Double]
    /// nil takes the theme palette's colour for this series' position.
    public var color: Color?
    /// Half-lengths of error bars (e.g. standard errors), one per category; drawn on grouped
    /// bars as value ± error. NaN draws none.
    public var errors: [Double]?

    public init<V: BinaryFloatingPoint>(name: String, values: [V], color: Color? = nil, errors: [V]? = nil) {
        self.name = name
        self.values = values.map { Double($0) }
        self.color = color
        self.errors = errors?.map { Double($0) }
    }
}

/// Bars per category, side by side (grouped) or on top of each other (stacked): e.g. per layer,
/// the share of attention going to meta tokens / BOS / self / other tokens.
///
/// Stacked bars pile positive values upwards and negative values downwards from zero. The y axis
/// always includes zero. **Missing values**: a NaN or infinite value draws no bar (and adds
/// nothing to a stack).
///
/// ```swift
/// let chart = try BarChart(categories: (0..<32).map(String.init), series: [
///     BarSeries(name: "meta", values: meta), BarSeries(name: "BOS", values: bos),
///     BarSeries(name: "self", values: selfShare), BarSeries(name: "other", values: other),
/// ], arrangement: .stacked, xLabel: "layer", yLabel: "attention share")
/// ```
public struct BarChart: Sendable {
    public enum Arrangement: Hashable, Sendable { case grouped, stacked }

    public let categories: [String]
    public let series: [BarSeries]
    public var arrangement: Arrangement
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var legend: LegendPlacement = .automatic
    /// Fixed y range (e.g. 0...1 for shares); nil fits the data.
    public var yLimits: ClosedRange<Double>?

    /// - Throws: `PlotError.emptyData` without categories or series, `.countMismatch` when a
    ///   series does not have one value per category.
    public init(categories: [String], series: [BarSeries], arrangement: Arrangement = .grouped,
                title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) throws {
        guard !categories.isEmpty else { throw PlotError.emptyData(what: "bar chart categories") }
        guard !series.isEmpty else { throw PlotError.emptyData(what: "bar chart (no series)") }
        for s in series where s.values.count != categories.count {
            throw PlotError.countMismatch(what: "values of bar series '\(s.name)'", expected: categories.count,
                                          actual: s.values.count)
        }
        for s in series {
            if let errors = s.errors, errors.count != categories.count {
                throw PlotError.countMismatch(what: "error bars of bar series '\(s.name)'", expected: categories.count,
                                              actual: errors.count)
            }
        }
        self.categories = categories
        self.series = series
        self.arrangement = arrangement
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    func validate() throws { _ = try yAxis() }

    /// Bottom and top of each bar, [series][category]; nil for a missing value.
    private func extents() -> [[(Double, Double)?]] {
        switch arrangement {
        case .grouped:
            return series.map { s in s.values.map { $0.isFinite ? (0, $0) : nil } }
        case .stacked:
            var positive = [Double](repeating: 0, count: categories.count)
            var negative = positive
            return series.map { s in
                s.values.enumerated().map { i, v in
                    guard v.isFinite else { return nil }
                    if v >= 0 {
                        defer { positive[i] += v }
                        return (positive[i], positive[i] + v)
                    }
                    defer { negative[i] += v }
                    return (negative[i] + v, negative[i])
                }
            }
        }
    }

    /// Value ± error of every grouped bar that has an error bar, [series][category].
    private func errorRanges() -> [[ClosedRange<Double>?]] {
        series.map { s in
            s.values.indices.map { c in
                guard arrangement == .grouped, let e = s.errors?[c], e.isFinite, e > 0, s.values[c].isFinite else { return nil }
                return (s.values[c] - e)...(s.values[c] + e)
            }
        }
    }

    private func yAxis() throws -> ValueAxis {
        let bars = extents().flatMap { $0.compactMap { $0 } }.flatMap { [$0.0, $0.1] }
        let ends = bars + errorRanges().flatMap { $0.compactMap { $0 } }.flatMap { [$0.lowerBound, $0.upperBound] }
        return try ValueAxis(scale: .linear, values: ends, padding: 0.05, includeZero: true, fixed: yLimits,
                             what: "bar chart" + (title.map { " '\($0)'" } ?? ""))
    }

    /// Automatic width grows with the number of bars up to this; past it bars get thinner and
    /// category labels follow the `Legibility` stride.
    static let maximumAutomaticWidth = 960.0

    func preferredSize() -> Size {
        let perCategory = arrangement == .grouped ? 8.0 * Double(series.count) + 6 : 12
        return Size(width: min(Self.maximumAutomaticWidth, max(320, 90 + perCategory * Double(categories.count))), height: 250)
    }

    private func barRects(plot: Rect, y: ValueAxis) -> [[Rect?]] {
        let slot = plot.width / Double(categories.count)
        let groupWidth = slot * 0.8
        let barWidth = arrangement == .grouped ? groupWidth / Double(series.count) : groupWidth
        let all = extents()
        return all.indices.map { s in
            all[s].enumerated().map { c, extent in
                guard let (bottom, top) = extent, let f0 = y.fraction(bottom), let f1 = y.fraction(top) else { return nil }
                let x = plot.minX + Double(c) * slot + slot * 0.1 + (arrangement == .grouped ? Double(s) * barWidth : 0)
                let y0 = plot.maxY - f0 * plot.height, y1 = plot.maxY - f1 * plot.height
                return Rect(x: x, y: min(y0, y1), width: barWidth, height: abs(y1 - y0))
            }
        }
    }

    func draw(in frame: Rect, canvas: Canvas, theme: Theme) throws {
        let y = try yAxis()
        let entries = series.indices.map { i in
            LegendEntry(label: series[i].name, color: series[i].color ?? theme.palette.color(i), symbol: .patch)
        }
        let decoration = AxesDecoration(title: title, xLabel: xLabel, yLabel: yLabel, x: .categories(categories), y: y,
                                        legend: series.count > 1 ? Legend(entries: entries, theme: theme) : nil,
                                        legendPlacement: legend)
        let layout = AxesLayout(decoration, frame: frame, theme: theme, text: canvas.text) { plot, axis in
            barRects(plot: plot, y: axis).flatMap { $0.compactMap { $0 } }
        }
        layout.drawGrid(decoration, canvas: canvas, theme: theme)
        let rects = barRects(plot: layout.plot, y: y)
        canvas.clipped(to: layout.plot) {
            for (s, row) in rects.enumerated() {
                for rect in row.compactMap({ $0 }) {
                    canvas.fill(rect, entries[s].color)
                    // A hairline in the background colour separates stacked segments and neighbours.
                    canvas.stroke(rect, theme.background, width: 0.4)
                }
            }
        }
        // Error bars: a thin dark line with short caps over each bar's centre.
        for (s, ranges) in errorRanges().enumerated() {
            for (c, range) in ranges.enumerated() {
                guard let range, let rect = rects[s][c], let f0 = y.fraction(range.lowerBound), let f1 = y.fraction(range.upperBound) else { continue }
                let x = rect.midX, cap = min(3, rect.width * 0.3)
                let y0 = layout.plot.maxY - f0 * layout.plot.height, y1 = layout.plot.maxY - f1 * layout.plot.height
                canvas.line(from: Point(x: x, y: y0), to: Point(x: x, y: y1), theme.axisColor, width: 0.8)
                for yy in [y0, y1] {
                    canvas.line(from: Point(x: x - cap, y: yy), to: Point(x: x + cap, y: yy), theme.axisColor, width: 0.8)
                }
            }
        }
        if let zero = y.fraction(0), y.lower < 0 {
            let yy = layout.plot.maxY - zero * layout.plot.height
            canvas.line(from: Point(x: layout.plot.minX, y: yy), to: Point(x: layout.plot.maxX, y: yy), theme.axisColor, width: 0.6)
        }
        layout.drawDecoration(decoration, frame: frame, canvas: canvas, theme: theme)
    }
}

extension BarChart: PanelConvertible {
    public var panel: Panel { .bar(self) }
}
