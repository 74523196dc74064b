import Foundation

/// Linear or logarithmic value axis.
public enum AxisScale: Hashable, Sendable {
    case linear
    /// Base-10 logarithmic; values ≤ 0 cannot be placed and are left out (documented per plot).
    case log
}

/// A value range mapped onto a length, linearly or in log space. Unlike a colour norm it does not
/// clamp: the plot area's clip takes care of anything outside.
struct ValueAxis {
    let scale: AxisScale
    let lower: Double
    let upper: Double

    /// Padded limits around `values` (finite; positive only for log).
    ///
    /// - Parameters:
    ///   - padding: fraction of the span added on each side (in log space for log axes).
    ///   - includeZero: bars start at zero, so the axis must show it (linear only).
    init(scale: AxisScale, values: [Double], padding: Double, includeZero: Bool = false,
         fixed: ClosedRange<Double>? = nil, what: String) throws {
        self.scale = scale
        let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        if let fixed {
            guard fixed.lowerBound.isFinite, fixed.upperBound.isFinite, fixed.lowerBound < fixed.upperBound,
                  scale == .linear || fixed.lowerBound > 0 else {
                throw PlotError.invalidArgument("\(what) axis limits \(fixed) are not a valid \(scale) range")
            }
            (lower, upper) = (fixed.lowerBound, fixed.upperBound)
            return
        }
        guard var low = usable.min(), var high = usable.max() else {
            if scale == .log, values.contains(where: \.isFinite) {
                throw PlotError.invalidArgument("\(what): a log axis needs at least one positive value")
            }
            throw PlotError.noFiniteValues(what: what)
        }
        switch scale {
        case .linear:
            if includeZero { low = min(low, 0); high = max(high, 0) }
            if low == high {
                if includeZero { high = 1 }  // all-zero bars: show 0…1 rather than a negative half
                else { low -= low == 0 ? 1 : abs(low) * 0.1; high += high == 0 ? 1 : abs(high) * 0.1 }
            }
            let pad = (high - low) * padding
            lower = (includeZero && low == 0) ? 0 : low - pad
            upper = (includeZero && high == 0) ? 0 : high + pad
        case .log:
            var (l, h) = (log10(low), log10(high))
            if l == h { l -= 0.5; h += 0.5 }
            let pad = (h - l) * padding
            lower = pow(10, l - pad)
            upper = pow(10, h + pad)
        }
    }

    /// 0 at `lower`, 1 at `upper`; nil where the value cannot be placed (NaN, ≤ 0 on log).
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear: return (value - lower) / (upper - lower)
        case .log:
            guard value > 0 else { return nil }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
    }

    func ticks(length: Double, integerOnly: Bool = false) -> [Tick] {
        // About one labelled tick per 32 pt, as dense as matplotlib's defaults.
        let target = max(3, min(10, Int(length / 32)))
        switch scale {
        case .linear:
            return TickGenerator.linear(lower: lower, upper: upper, targetCount: target, integerOnly: integerOnly)
        case .log:
            return TickGenerator.logarithmic(lower: lower, upper: upper, maxMajorCount: target)
        }
    }
}

/// What surrounds the data of a line, bar or box plot: title, axis labels, ticks, legend.
struct AxesDecoration {
    enum XAxis {
        case numeric(ValueAxis, integerOnly: Bool)
        /// Evenly spaced slots, one per category, labelled below.
        case categories([String])
    }

    var title: String?
    var xLabel: String?
    var yLabel: String?
    var x: XAxis
    var y: ValueAxis
    var legend: Legend?
    var legendPlacement: LegendPlacement
}

/// Where everything of an `AxesDecoration` lands inside a frame.
struct AxesLayout {
    var plot: Rect
    var yTicks: [Tick]
    var xTicks: [Tick]
    var legendRect: Rect?
    var categoryLabelsRotated = false
    var categoryStride = 1

    private static let titleGap = 8.0
    private static let labelGap = 5.0
    private static let tickLabelGap = 2.5
    private static let maxCategoryLabelWidth = 72.0

    /// Lays the decoration out in `frame`; `footprints(plot)` returns the rectangles the data will
    /// cover in a given plot area, so an automatic legend can avoid them.
    init(_ decoration: AxesDecoration, frame: Rect, theme: Theme, text: TextEngine,
         footprints: (Rect, ValueAxis) -> [Rect]) {
        let tickStyle = TextStyle(size: theme.tickLabelSize, color: theme.textColor)
        let axisStyle = TextStyle(size: theme.axisLabelSize, color: theme.textColor)
        let titleStyle = TextStyle(size: theme.titleSize, color: theme.textColor, bold: true)
        let tickLine = text.lineHeight(tickStyle)

        var top = tickLine / 2 + 2
        if let title = decoration.title, !title.isEmpty { top = text.lineHeight(titleStyle) + Self.titleGap }
        var left = theme.tickLength + Self.tickLabelGap
        if decoration.yLabel?.isEmpty == false { left += text.lineHeight(axisStyle) + Self.labelGap }
        var right = 10.0
        var bottom = theme.tickLength + Self.tickLabelGap
        if decoration.xLabel?.isEmpty == false { bottom += text.lineHeight(axisStyle) + Self.labelGap }

        // y ticks depend on the plot height, which depends a little on x labels: estimate first.
        let estimatedHeight = max(40, frame.height - top - bottom - tickLine)
        yTicks = decoration.y.ticks(length: estimatedHeight)
        left += yTicks.filter { !$0.isMinor }.map { text.measure($0.label, tickStyle).width }.max() ?? 0

        var legendSize: Size?
        if let legend = decoration.legend, decoration.legendPlacement != .hidden, !legend.entries.isEmpty {
            legendSize = legend.size(text)
            if decoration.legendPlacement == .outsideRight { right += legendSize!.width + 8 }
        }

        func finishLayout(right: Double) -> (Rect, [Tick], Bool, Int) {
            let width = max(10, frame.width - left - right)
            var bottomMargin = bottom
            var ticks: [Tick] = []
            var rotated = false
            var stride = 1
            switch decoration.x {
            case .numeric(let axis, let integerOnly):
                ticks = axis.ticks(length: width, integerOnly: integerOnly)
                bottomMargin += tickLine
            case .categories(let names):
                let slot = width / Double(max(1, names.count))
                let widest = names.map { text.measure(TokenLabel.escapingInvisibles($0), tickStyle,
                                                      maxWidth: Self.maxCategoryLabelWidth).width }.max() ?? 0
                if widest <= slot * 0.92 {
                    bottomMargin += tickLine
                } else {
                    rotated = true
                    stride = Legibility.labelStride(cellSize: slot)
                    bottomMargin += widest
                }
            }
            let plot = Rect(x: frame.minX + left, y: frame.minY + top,
                            width: width, height: max(10, frame.height - top - bottomMargin))
            return (plot, ticks, rotated, stride)
        }

        var (plot, ticks, rotated, stride) = finishLayout(right: right)
        if let size = legendSize {
            let margin = 6.0
            func rect(_ corner: LegendPlacement.Corner, in plot: Rect) -> Rect {
                let x = corner == .topLeft || corner == .bottomLeft ? plot.minX + margin : plot.maxX - margin - size.width
                let y = corner == .topLeft || corner == .topRight ? plot.minY + margin : plot.maxY - margin - size.height
                return Rect(x: x, y: y, width: size.width, height: size.height)
            }
            switch decoration.legendPlacement {
            case .inside(let corner):
                legendRect = rect(corner, in: plot)
            case .outsideRight:
                legendRect = Rect(x: plot.maxX + 10, y: plot.minY, width: size.width, height: size.height)
            case .automatic:
                let occupied = footprints(plot, decoration.y)
                let fits = size.width < plot.width * 0.6 && size.height < plot.height * 0.6
                if fits, let corner = LegendPlacement.Corner.allCases.first(where: { corner in
                    let candidate = rect(corner, in: plot)
                    return !occupied.contains { $0.intersects(candidate) }
                }) {
                    legendRect = rect(corner, in: plot)
                } else {
                    (plot, ticks, rotated, stride) = finishLayout(right: right + size.width + 8)
                    legendRect = Rect(x: plot.maxX + 10, y: plot.minY, width: size.width, height: size.height)
                }
            case .hidden:
                legendRect = nil
            }
        } else {
            legendRect = nil
        }
        self.plot = plot
        xTicks = ticks
        categoryLabelsRotated = rotated
        categoryStride = stride
        yTicks = decoration.y.ticks(length: plot.height)
    }

    /// Grid lines behind the data.
    func drawGrid(_ decoration: AxesDecoration, canvas: Canvas, theme: Theme) {
        for tick in yTicks where !tick.isMinor {
            guard let f = decoration.y.fraction(tick.value) else { continue }
            let y = plot.maxY - f * plot.height
            canvas.line(from: Point(x: plot.minX, y: y), to: Point(x: plot.maxX, y: y), theme.gridColor, width: 0.5)
        }
    }

    /// Spines, ticks, tick labels, axis labels, title and legend, over the data.
    func drawDecoration(_ decoration: AxesDecoration, frame: Rect, canvas: Canvas, theme: Theme) {
        let text = canvas.text
        let tickStyle = TextStyle(size: theme.tickLabelSize, color: theme.textColor)
        let axisStyle = TextStyle(size: theme.axisLabelSize, color: theme.textColor)
        let titleStyle = TextStyle(size: theme.titleSize, color: theme.textColor, bold: true)
        let spine = theme.axisColor, lw = theme.axisLineWidth

        canvas.line([Point(x: plot.minX, y: plot.minY), Point(x: plot.minX, y: plot.maxY),
                     Point(x: plot.maxX, y: plot.maxY)], spine, width: lw, cap: .square)

        var widestY = 0.0
        for tick in yTicks {
            guard let f = decoration.y.fraction(tick.value), f >= -1e-6, f <= 1 + 1e-6 else { continue }
            let y = plot.maxY - f * plot.height
            let length = tick.isMinor ? theme.tickLength * 0.55 : theme.tickLength
            canvas.line(from: Point(x: plot.minX - length, y: y), to: Point(x: plot.minX, y: y), spine, width: lw * 0.8)
            if !tick.isMinor {
                let e = text.draw(tick.label, tickStyle, at: Point(x: plot.minX - theme.tickLength - Self.tickLabelGap, y: y),
                                  horizontal: .trailing, vertical: .middle)
                widestY = max(widestY, e.width)
            }
        }

        let labelTop = plot.maxY + theme.tickLength + Self.tickLabelGap
        var xLabelsBottom = labelTop
        switch decoration.x {
        case .numeric(let axis, _):
            var lastRight = -Double.infinity
            for tick in xTicks {
                guard let f = axis.fraction(tick.value), f >= -1e-6, f <= 1 + 1e-6 else { continue }
                let x = plot.minX + f * plot.width
                canvas.line(from: Point(x: x, y: plot.maxY), to: Point(x: x, y: plot.maxY + theme.tickLength), spine, width: lw * 0.8)
                let w = text.measure(tick.label, tickStyle).width
                if x - w / 2 > lastRight + 3 {
                    let e = text.draw(tick.label, tickStyle, at: Point(x: x, y: labelTop), horizontal: .center, vertical: .top)
                    lastRight = x + w / 2
                    xLabelsBottom = max(xLabelsBottom, labelTop + e.height)
                }
            }
        case .categories(let names):
            let slot = plot.width / Double(max(1, names.count))
            for (i, name) in names.enumerated() where i % categoryStride == 0 {
                let x = plot.minX + (Double(i) + 0.5) * slot
                canvas.line(from: Point(x: x, y: plot.maxY), to: Point(x: x, y: plot.maxY + theme.tickLength), spine, width: lw * 0.8)
                let label = TokenLabel.visible(name)
                if categoryLabelsRotated {
                    let e = text.draw(label, tickStyle, at: Point(x: x, y: labelTop), horizontal: .trailing,
                                      vertical: .middle, angle: 90, maxWidth: Self.maxCategoryLabelWidth)
                    xLabelsBottom = max(xLabelsBottom, labelTop + e.width)
                } else {
                    let e = text.draw(label, tickStyle, at: Point(x: x, y: labelTop), horizontal: .center, vertical: .top)
                    xLabelsBottom = max(xLabelsBottom, labelTop + e.height)
                }
            }
        }

        if let xLabel = decoration.xLabel, !xLabel.isEmpty {
            text.draw(xLabel, axisStyle, at: Point(x: plot.midX, y: xLabelsBottom + Self.labelGap),
                      horizontal: .center, vertical: .top, maxWidth: frame.width)
        }
        if let yLabel = decoration.yLabel, !yLabel.isEmpty {
            let x = plot.minX - theme.tickLength - Self.tickLabelGap - widestY - Self.labelGap
            text.draw(yLabel, axisStyle, at: Point(x: x, y: plot.midY), horizontal: .center, vertical: .bottom,
                      angle: 90, maxWidth: frame.height)
        }
        if let title = decoration.title, !title.isEmpty {
            text.draw(title, titleStyle, at: Point(x: plot.midX, y: plot.minY - Self.titleGap),
                      horizontal: .center, vertical: .bottom, maxWidth: frame.width)
        }
        if let legend = decoration.legend, let rect = legendRect {
            legend.draw(in: rect, canvas: canvas)
        }
    }
}
