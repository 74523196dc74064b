/// Words written inside a heatmap's cells, e.g. the logit lens's most likely token in each
/// layer × position cell, with an optional second, smaller line (the target token's rank).
///
/// A heatmap with cell texts sizes its cells for the text instead of making them square: wide
/// enough for the widest primary text plus 3 pt on each side, at most
/// `CellTexts.maximumCellWidth` (longer texts are cut with "…"), and tall enough for the lines.
/// Texts are drawn as token labels (`TokenLabel.visible`: a newline token shows as `\n`), in
/// black or white for contrast with the cell. A masked or non-finite cell shows no text.
public struct CellTexts: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    /// Row-major, one per cell ("" for none).
    public let primary: [String]
    /// Row-major, one per cell, drawn smaller under the primary text; nil for one line.
    public let secondary: [String]?

    /// Widest automatic cell, in points.
    public static let maximumCellWidth = 56.0
    /// Space between the text and the cell's sides.
    static let padding = 3.0

    /// - Throws: `PlotError.countMismatch` when an array does not hold `rows × cols` texts.
    public init(rows: Int, cols: Int, primary: [String], secondary: [String]? = nil) throws {
        guard primary.count == rows * cols else {
            throw PlotError.countMismatch(what: "cell texts for \(rows) × \(cols)", expected: rows * cols, actual: primary.count)
        }
        if let secondary, secondary.count != rows * cols {
            throw PlotError.countMismatch(what: "second-line cell texts for \(rows) × \(cols)", expected: rows * cols, actual: secondary.count)
        }
        self.rows = rows
        self.cols = cols
        self.primary = primary
        self.secondary = secondary
    }
}

extension Heatmap {
    /// Checks that the cell texts, if any, were made for this map's shape.
    func validateCellTexts() throws {
        guard let cellTexts, cellTexts.rows != rows || cellTexts.cols != cols else { return }
        throw PlotError.countMismatch(what: "cell texts (\(cellTexts.rows) × \(cellTexts.cols)) of a \(rows) × \(cols) heatmap",
                                      expected: rows * cols, actual: cellTexts.rows * cellTexts.cols)
    }

    func cellTextStyles(_ theme: Theme) -> (primary: TextStyle, secondary: TextStyle) {
        (TextStyle(size: theme.cellValueSize + 0.5, color: .black),
         TextStyle(size: theme.cellValueSize - 0.5, color: .black))
    }

    /// The automatic cell size for the texts: width from the widest primary text, height from
    /// the lines.
    func cellTextSize(theme: Theme, text: TextEngine) -> Size? {
        guard let cellTexts else { return nil }
        let styles = cellTextStyles(theme)
        var widest = 0.0
        for (i, label) in cellTexts.primary.enumerated() where !isHidden(i) && !label.isEmpty {
            widest = max(widest, text.measure(TokenLabel.visible(label), styles.primary).width)
            if widest >= CellTexts.maximumCellWidth { break }
        }
        if let secondary = cellTexts.secondary {
            for (i, label) in secondary.enumerated() where !isHidden(i) && !label.isEmpty {
                widest = max(widest, text.measure(label, styles.secondary).width)
            }
        }
        let width = min(CellTexts.maximumCellWidth, max(Legibility.preferredCellSize, widest + 2 * CellTexts.padding))
        var height = text.lineHeight(styles.primary) + 3
        if cellTexts.secondary != nil { height += text.lineHeight(styles.secondary) }
        return Size(width: width.rounded(.up), height: max(Legibility.preferredCellSize, height.rounded(.up)))
    }

    /// Draws the texts centred in their cells, when the lines fit the cells' height.
    func drawCellTexts(layout: HeatmapLayout, norm: ResolvedNorm, canvas: Canvas, theme: Theme) {
        guard let cellTexts, rows * cols <= 40_000 else { return }
        let styles = cellTextStyles(theme), text = canvas.text
        let primaryLine = text.lineHeight(styles.primary)
        let secondaryLine = cellTexts.secondary == nil ? 0 : text.lineHeight(styles.secondary)
        guard primaryLine + secondaryLine <= layout.cellHeight + 1, layout.cellWidth > 2 * CellTexts.padding else { return }
        let maxWidth = layout.cellWidth - 2 * CellTexts.padding
        for r in 0..<rows {
            for c in 0..<cols where !isHidden(r * cols + c) {
                let i = r * cols + c
                let color = colormap.color(at: norm.fraction(values[i])).contrastingText
                var primary = styles.primary, secondary = styles.secondary
                primary.color = color
                secondary.color = color
                let x = layout.map.minX + (Double(c) + 0.5) * layout.cellWidth
                let middle = layout.map.minY + (Double(r) + 0.5) * layout.cellHeight
                let top = middle - (primaryLine + secondaryLine) / 2
                if !cellTexts.primary[i].isEmpty {
                    text.draw(TokenLabel.visible(cellTexts.primary[i]), primary, at: Point(x: x, y: top),
                              horizontal: .center, vertical: .top, maxWidth: maxWidth)
                }
                if let second = cellTexts.secondary?[i], !second.isEmpty {
                    text.draw(second, secondary, at: Point(x: x, y: top + primaryLine),
                              horizontal: .center, vertical: .top, maxWidth: maxWidth)
                }
            }
        }
    }
}
