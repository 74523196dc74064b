/// Where a legend goes.
public enum LegendPlacement: Hashable, Sendable {
    /// Inside the plot in the first corner (top right, top left, bottom left, bottom right) that
    /// covers no data; outside on the right if every corner would.
    case automatic
    case inside(Corner)
    /// To the right of the plot area, top-aligned.
    case outsideRight
    case hidden

    public enum Corner: Hashable, Sendable, CaseIterable {
        case topRight, topLeft, bottomLeft, bottomRight
    }
}

/// One row of a legend: a symbol in the series' colour and its name.
struct LegendEntry {
    enum Symbol {
        case line(marker: Marker?, dash: [Double])
        case patch
    }

    var label: String
    var color: Color
    var symbol: Symbol
}

/// A boxed list of legend entries, measured before it is placed.
struct Legend {
    let entries: [LegendEntry]
    let theme: Theme

    private var style: TextStyle { TextStyle(size: theme.legendSize, color: theme.textColor) }
    private let padding = 4.0
    private let swatchWidth = 16.0
    private let swatchGap = 5.0
    /// Legend names longer than this are ellipsized rather than pushing the plot aside.
    static let maxLabelWidth = 140.0

    func size(_ text: TextEngine) -> Size {
        let widest = entries.map { text.measure($0.label, style, maxWidth: Self.maxLabelWidth).width }.max() ?? 0
        let row = rowHeight(text)
        return Size(width: 2 * padding + swatchWidth + swatchGap + widest,
                    height: 2 * padding + row * Double(entries.count))
    }

    private func rowHeight(_ text: TextEngine) -> Double { text.lineHeight(style) * 1.2 }

    func draw(in rect: Rect, canvas: Canvas) {
        canvas.fill(rect, theme.background.withAlpha(0.9))
        canvas.stroke(rect, Color(hex: 0xC8C8C8), width: 0.5)
        let row = rowHeight(canvas.text)
        for (i, entry) in entries.enumerated() {
            let midY = rect.minY + padding + row * (Double(i) + 0.5)
            let x0 = rect.minX + padding
            switch entry.symbol {
            case .line(let marker, let dash):
                canvas.line([Point(x: x0, y: midY), Point(x: x0 + swatchWidth, y: midY)], entry.color,
                            width: theme.seriesLineWidth, dash: dash)
                if let marker {
                    canvas.marker(marker, at: Point(x: x0 + swatchWidth / 2, y: midY), size: 4.5,
                                  fill: entry.color, stroke: entry.color, lineWidth: 0.8)
                }
            case .patch:
                let side = min(row * 0.75, 8)
                let patch = Rect(x: x0 + (swatchWidth - side) / 2, y: midY - side / 2, width: side, height: side)
                canvas.fill(patch, entry.color)
            }
            canvas.text.draw(entry.label, style, at: Point(x: x0 + swatchWidth + swatchGap, y: midY),
                             vertical: .middle, maxWidth: Self.maxLabelWidth)
        }
    }
}
