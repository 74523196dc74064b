import Foundation

/// Dash patterns for telling series apart without colour.
public enum LineDash: Hashable, Sendable {
    case solid, dashed, dotted, dashDot

    var pattern: [Double] {
        switch self {
        case .solid: return []
        case .dashed: return [4, 2.5]
        case .dotted: return [1, 2]
        case .dashDot: return [4, 2, 1, 2]
        }
    }
}

/// Whether and how a series marks its data points.
public enum MarkerStyle: Hashable, Sendable {
    /// A different shape per series when every series has ≤ 60 points (so series stay apart in
    /// greyscale), none for denser series where markers would merge into a thick line.
    case automatic
    case none
    case shape(Marker)
}

/// One named line: y values over x (x defaults to 0, 1, 2, … — e.g. the layer index).
public struct LineSeries: Sendable {
    public var name: String
    public let x: [Double]
    public let y: [Double]
    /// nil takes the theme palette's colour for this series' position.
    public var color: Color?
    public var markers: MarkerStyle
    public var dash: LineDash

    /// - Throws: `PlotError.emptyData` for no points, `.countMismatch` when `x` and `y` differ.
    public init<Y: BinaryFloatingPoint>(name: String, y: [Y], x: [Double]? = nil, color: Color? = nil,
                                        markers: MarkerStyle = .automatic, dash: LineDash = .solid) throws {
        guard !y.isEmpty else { throw PlotError.emptyData(what: "line series '\(name)'") }
        if let x, x.count != y.count {
            throw PlotError.countMismatch(what: "x values of line series '\(name)'", expected: y.count, actual: x.count)
        }
        self.name = name
        self.y = y.map { Double($0) }
        self.x = x ?? (0..<y.count).map(Double.init)
        self.color = color
        self.markers = markers
        self.dash = dash
    }
}

/// Several series over a shared x axis, with markers and a legend: e.g. a quantity per layer.
///
/// **Missing values**: a NaN or infinite y (or y ≤ 0 on a log axis) leaves a gap in its line.
///
/// ```swift
/// let plot = try LinePlot(series: [
///     LineSeries(name: "attention", y: attnNorms),
///     LineSeries(name: "SSM", y: ssmNorms),
/// ], xLabel: "layer", yLabel: "output norm", yScale: .log)
/// try plot.render(to: URL(fileURLWithPath: "norms.pdf"))
/// ```
public struct LinePlot: Sendable {
    public var series: [LineSeries]
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var yScale: AxisScale
    public var legend: LegendPlacement = .automatic
    /// Fixed y range; nil fits the data with 5 % padding.
    public var yLimits: ClosedRange<Double>?

    /// - Throws: `PlotError.emptyData` without series.
    public init(series: [LineSeries], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                yScale: AxisScale = .linear) throws {
        guard !series.isEmpty else { throw PlotError.emptyData(what: "line plot (no series)") }
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.yScale = yScale
    }

    func validate() throws {
        guard !series.isEmpty else { throw PlotError.emptyData(what: "line plot (no series)") }
        _ = try axes()
    }

    private func axes() throws -> (x: ValueAxis, y: ValueAxis, integerX: Bool) {
        let what = "line plot" + (title.map { " '\($0)'" } ?? "")
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite && (yScale == .linear || y > 0) {
                xs.append(x); ys.append(y)
            }
        }
        if xs.isEmpty, yScale == .log, series.contains(where: { $0.y.contains(where: \.isFinite) }) {
            throw PlotError.invalidArgument("\(what): a log y axis needs at least one positive value")
        }
        let xAxis = try ValueAxis(scale: .linear, values: xs, padding: 0.03, what: what)
        let yAxis = try ValueAxis(scale: yScale, values: ys, padding: 0.06, fixed: yLimits, what: what)
        let integerX = xs.allSatisfy { $0 == $0.rounded() }
        return (xAxis, yAxis, integerX)
    }

    func preferredSize() -> Size { Size(width: 360, height: 250) }

    private func marker(for index: Int) -> Marker? {
        switch series[index].markers {
        case .none: return nil
        case .shape(let shape): return shape
        case .automatic:
            let dense = series.contains { $0.y.count > 60 }
            return dense ? nil : Marker.allCases[index % Marker.allCases.count]
        }
    }

    /// Screen polylines per series, split at missing points.
    private func paths(plot: Rect, x: ValueAxis, y: ValueAxis) -> [[[Point]]] {
        series.map { s in
            var runs: [[Point]] = [], current: [Point] = []
            for (xv, yv) in zip(s.x, s.y) {
                if let fx = x.fraction(xv), let fy = y.fraction(yv) {
                    current.append(Point(x: plot.minX + fx * plot.width, y: plot.maxY - fy * plot.height))
                } else if !current.isEmpty {
                    runs.append(current); current = []
                }
            }
            if !current.isEmpty { runs.append(current) }
            return runs
        }
    }

    func draw(in frame: Rect, canvas: Canvas, theme: Theme) throws {
        let (xAxis, yAxis, integerX) = try axes()
        let entries = series.indices.map { i in
            LegendEntry(label: series[i].name, color: series[i].color ?? theme.palette.color(i),
                        symbol: .line(marker: marker(for: i), dash: series[i].dash.pattern))
        }
        let decoration = AxesDecoration(title: title, xLabel: xLabel, yLabel: yLabel,
                                        x: .numeric(xAxis, integerOnly: integerX), y: yAxis,
                                        legend: series.count > 1 || !(series.first?.name.isEmpty ?? true)
                                            ? Legend(entries: entries, theme: theme) : nil,
                                        legendPlacement: legend)
        let layout = AxesLayout(decoration, frame: frame, theme: theme, text: canvas.text) { plot, y in
            // Footprint = samples along every line, so the legend avoids lines, not just vertices.
            var boxes: [Rect] = []
            for runs in paths(plot: plot, x: xAxis, y: y) {
                for run in runs {
                    for (a, b) in zip(run, run.dropFirst() + [run.last!]) {
                        let steps = max(1, Int(hypot(b.x - a.x, b.y - a.y) / 4))
                        for k in 0...steps {
                            let t = Double(k) / Double(steps)
                            boxes.append(Rect(x: a.x + (b.x - a.x) * t - 3, y: a.y + (b.y - a.y) * t - 3, width: 6, height: 6))
                        }
                    }
                }
            }
            return boxes
        }
        layout.drawGrid(decoration, canvas: canvas, theme: theme)
        let plotPaths = paths(plot: layout.plot, x: xAxis, y: yAxis)
        canvas.clipped(to: layout.plot.inset(by: -4)) {
            for (i, runs) in plotPaths.enumerated() {
                let color = entries[i].color
                for run in runs {
                    canvas.line(run, color, width: theme.seriesLineWidth, dash: series[i].dash.pattern, cap: .round)
                }
                if let shape = marker(for: i) {
                    for run in runs {
                        for p in run {
                            canvas.marker(shape, at: p, size: 4.5, fill: color, stroke: color, lineWidth: 0.8)
                        }
                    }
                }
            }
        }
        layout.drawDecoration(decoration, frame: frame, canvas: canvas, theme: theme)
    }
}

extension LinePlot: PanelConvertible {
    public var panel: Panel { .line(self) }
}
