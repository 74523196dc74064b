import Foundation

/// The vertical scale beside a heatmap (or a grid of them): the colour ramp, ticks in data units,
/// an optional label, and — when some cells are masked — a swatch explaining the mask colour.
struct ColorBar {
    let colormap: Colormap
    let norm: ResolvedNorm
    let label: String?
    let showsMaskSwatch: Bool
    let theme: Theme
    /// Cell size of the map the masked cells are drawn in: the swatch is hatched only where the
    /// map's masked cells are (cells ≥ `MaskPainter.minimumHatchedCell`), so it shows what the
    /// reader sees; 0 for grids, whose thumbnails are never hatched.
    var maskCellSize = Double.infinity
    /// Ends whose colour also stands for values beyond the limit; each gets a triangle.
    var clipping = ResolvedNorm.Clipping()

    /// Height of an end triangle.
    private static let extensionHeight = 8.0

    static let gap = 10.0
    static let barWidth = 10.0
    private static let swatchSide = 9.0
    private static let swatchGap = 8.0
    private static let tickLabelGap = 2.5
    static let maskLabel = "masked"

    private var tickStyle: TextStyle { TextStyle(size: theme.tickLabelSize, color: theme.textColor) }
    private var labelStyle: TextStyle { TextStyle(size: theme.axisLabelSize, color: theme.textColor) }

    /// Total width from the map's right edge, for a bar beside a map `length` points tall.
    func width(length: Double, text: TextEngine) -> Double {
        let ticks = norm.ticks(length: rampLength(max(length, Self.minimumLength)))
        let labels = ticks.filter { !$0.isMinor }.map { text.measure($0.label, tickStyle).width }
        var total = Self.gap + Self.barWidth + theme.tickLength + Self.tickLabelGap + (labels.max() ?? 0)
        if let label, !label.isEmpty { total += 5 + text.lineHeight(labelStyle) }
        if showsMaskSwatch {
            total = max(total, Self.gap + Self.swatchSide + 3 + text.measure(Self.maskLabel, tickStyle).width)
        }
        return total
    }

    private func rampLength(_ length: Double) -> Double {
        let withoutSwatch = showsMaskSwatch && length >= 60 ? length - Self.swatchSide - Self.swatchGap : length
        let triangles = Double((clipping.above ? 1 : 0) + (clipping.below ? 1 : 0)) * Self.extensionHeight
        return max(1, withoutSwatch - triangles)
    }

    /// A bar shorter than this cannot carry readable ticks; beside a flatter map (one query row,
    /// say) the bar keeps this length, centred on the map and kept inside the panel.
    static let minimumLength = 96.0

    /// Draws the bar to the right of `map`, spanning its height (at least `minimumLength`).
    func draw(beside map: Rect, within frame: Rect, canvas: Canvas) {
        guard map.height < Self.minimumLength else { return draw(besideMap: map, canvas: canvas) }
        let length = min(Self.minimumLength, frame.height - 4)
        let top = min(max(map.midY - length / 2, frame.minY + 2), frame.maxY - 2 - length)
        draw(besideMap: Rect(x: map.minX, y: top, width: map.width, height: length), canvas: canvas)
    }

    /// The longest a bar gets beside a tall grid: longer adds no precision, only ink.
    static let maximumLength = 320.0

    /// Draws the bar beside `area` at most `maximumLength` tall, centred vertically.
    func draw(besideGrid area: Rect, canvas: Canvas) {
        let length = min(area.height, Self.maximumLength)
        draw(besideMap: Rect(x: area.minX, y: area.midY - length / 2, width: area.width, height: length), canvas: canvas)
    }

    private func draw(besideMap map: Rect, canvas: Canvas) {
        let text = canvas.text
        let withSwatch = showsMaskSwatch && map.height >= 60
        let top = map.minY + (clipping.above ? Self.extensionHeight : 0)
        let ramp = Rect(x: map.maxX + Self.gap, y: top, width: Self.barWidth, height: rampLength(map.height))
        canvas.verticalRamp(colormap, in: ramp)
        canvas.stroke(ramp, theme.axisColor, width: 0.5)
        let h = Self.extensionHeight
        if clipping.above {
            canvas.polygon([Point(x: ramp.minX, y: ramp.minY), Point(x: ramp.midX, y: ramp.minY - h), Point(x: ramp.maxX, y: ramp.minY)],
                           fill: colormap.color(at: 1), stroke: theme.axisColor, width: 0.5)
        }
        if clipping.below {
            canvas.polygon([Point(x: ramp.minX, y: ramp.maxY), Point(x: ramp.midX, y: ramp.maxY + h), Point(x: ramp.maxX, y: ramp.maxY)],
                           fill: colormap.color(at: 0), stroke: theme.axisColor, width: 0.5)
        }

        var lastTop = Double.infinity
        var widest = 0.0
        for tick in norm.ticks(length: ramp.height) {
            let f = norm.fraction(tick.value)
            guard f.isFinite else { continue }
            let y = ramp.maxY - f * ramp.height
            let length = tick.isMinor ? theme.tickLength * 0.55 : theme.tickLength
            canvas.line(from: Point(x: ramp.maxX, y: y), to: Point(x: ramp.maxX + length, y: y), theme.axisColor, width: 0.6)
            guard !tick.isMinor else { continue }
            // Skip a label that would overlap the previous one (compressed power-norm ticks).
            let half = text.lineHeight(tickStyle) / 2
            guard y + half <= lastTop else { continue }
            let e = text.draw(tick.label, tickStyle, at: Point(x: ramp.maxX + theme.tickLength + Self.tickLabelGap, y: y),
                              vertical: .middle)
            widest = max(widest, e.width)
            lastTop = y - half
        }

        if withSwatch {
            let swatch = Rect(x: ramp.minX, y: map.maxY - Self.swatchSide, width: Self.swatchSide, height: Self.swatchSide)
            MaskPainter.paint([swatch], bounds: swatch, style: theme.maskStyle, canvas: canvas,
                              cellSize: min(Self.swatchSide, maskCellSize))
            canvas.stroke(swatch, theme.axisColor, width: 0.5)
            text.draw(Self.maskLabel, tickStyle, at: Point(x: swatch.maxX + 3, y: swatch.midY), vertical: .middle)
        }

        if let label, !label.isEmpty {
            let x = ramp.maxX + theme.tickLength + Self.tickLabelGap + widest + 5
            text.draw(label, labelStyle, at: Point(x: x, y: ramp.midY), horizontal: .center, vertical: .top,
                      angle: 90, maxWidth: map.height + 40)
        }
    }
}

/// Draws masked regions in the theme's mask style.
enum MaskPainter {
    /// Hatching needs room: below 4 pt cells the lines would turn into a grey smear.
    static let minimumHatchedCell = 4.0

    static func paint(_ regions: [Rect], bounds: Rect, style: MaskStyle, canvas: Canvas, cellSize: Double,
                      fillFirst: Bool = true) {
        guard !regions.isEmpty else { return }
        if fillFirst { for r in regions { canvas.fill(r, style.fill) } }
        if case .hatched(_, let lines) = style, cellSize >= minimumHatchedCell {
            canvas.hatch(regions, bounds: bounds, color: lines, spacing: 3, lineWidth: 0.5)
        }
    }
}
