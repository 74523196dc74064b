import Foundation

/// A grid of heatmap thumbnails — e.g. layers × heads — on one shared colour scale with ONE
/// colour bar, so every thumbnail reads against the same numbers.
///
/// Thumbnails are drawn without token labels; rows and columns of the grid carry titles
/// ("layer 3", "head 0"). **Automatic size**: thumbnails are 480 / max(grid rows, grid columns)
/// pt across, clamped to 24…72 pt; titles follow the `Legibility` label rule (every k-th title
/// when thumbnails are under 8 pt apart). Masked and non-finite cells are drawn in the mask colour.
///
/// ```swift
/// let grid = try SmallMultiples(maps: headMaps, mapRows: n, mapCols: n, gridRows: layers, gridCols: heads,
///                               mask: causalMask, rowTitles: layers.map { "L\($0)" },
///                               colTitles: heads.map { "H\($0)" }, title: "attention, all heads")
/// ```
public struct SmallMultiples: Sendable {
    /// Each map row-major `mapRows × mapCols`, maps in grid order (row by row).
    public let maps: [[Double]]
    public let mapRows: Int
    public let mapCols: Int
    public let gridRows: Int
    public let gridCols: Int
    /// One mask shared by every map (`true` = masked), e.g. the causal mask.
    public let mask: [Bool]?
    public let rowTitles: [String]?
    public let colTitles: [String]?

    public var colormap: Colormap
    public var norm: Norm
    public var title: String?
    public var colorBarLabel: String?
    /// Label for the grid's rows as a whole (e.g. "layer"), drawn at the far left.
    public var rowAxisLabel: String?
    /// Label for the grid's columns as a whole (e.g. "head"), drawn above the column titles.
    public var colAxisLabel: String?
    /// Separator lines after the first rows / columns of every thumbnail (e.g. meta tokens), as
    /// in `Heatmap`; thumbnails have no room for the group's label, so it is not drawn.
    public var leadingGroup: LeadingGroup?
    /// Place the grid against the left of its panel instead of centring it, so grids stacked in
    /// one figure column (attention above SSM) line up thumbnail by thumbnail even when their
    /// colour bars differ in width.
    public var alignsLeft = false

    static let gap = 3.0

    /// - Parameter maps: at most `gridRows × gridCols` maps; missing trailing slots stay empty.
    /// - Throws: `PlotError.emptyData` for no maps or a zero shape, `.countMismatch` when a map,
    ///   the mask or a title list has the wrong length, `.invalidArgument` for more maps than slots.
    public init<Value: BinaryFloatingPoint>(
        maps: [[Value]], mapRows: Int, mapCols: Int, gridRows: Int, gridCols: Int, mask: [Bool]? = nil,
        rowTitles: [String]? = nil, colTitles: [String]? = nil, colormap: Colormap = .viridis,
        norm: Norm = .linear(), title: String? = nil, colorBarLabel: String? = nil
    ) throws {
        guard !maps.isEmpty else { throw PlotError.emptyData(what: "small multiples (no maps)") }
        guard mapRows > 0, mapCols > 0, gridRows > 0, gridCols > 0 else {
            throw PlotError.emptyData(what: "small multiples (\(gridRows) × \(gridCols) grid of \(mapRows) × \(mapCols) maps)")
        }
        guard maps.count <= gridRows * gridCols else {
            throw PlotError.invalidArgument("\(maps.count) maps do not fit a \(gridRows) × \(gridCols) grid")
        }
        for (i, map) in maps.enumerated() where map.count != mapRows * mapCols {
            throw PlotError.countMismatch(what: "small-multiples map \(i) (\(mapRows) × \(mapCols))",
                                          expected: mapRows * mapCols, actual: map.count)
        }
        if let mask, mask.count != mapRows * mapCols {
            throw PlotError.countMismatch(what: "small-multiples mask", expected: mapRows * mapCols, actual: mask.count)
        }
        if let rowTitles, rowTitles.count != gridRows {
            throw PlotError.countMismatch(what: "small-multiples row titles", expected: gridRows, actual: rowTitles.count)
        }
        if let colTitles, colTitles.count != gridCols {
            throw PlotError.countMismatch(what: "small-multiples column titles", expected: gridCols, actual: colTitles.count)
        }
        self.maps = maps.map { $0.map { Double($0) } }
        self.mapRows = mapRows
        self.mapCols = mapCols
        self.gridRows = gridRows
        self.gridCols = gridCols
        self.mask = mask
        self.rowTitles = rowTitles
        self.colTitles = colTitles
        self.colormap = colormap
        self.norm = norm
        self.title = title
        self.colorBarLabel = colorBarLabel
    }

    private func isHidden(_ map: Int, _ index: Int) -> Bool {
        !maps[map][index].isFinite || (mask?[index] ?? false)
    }

    /// Every visible value of every map.
    private var visibleValues: [Double] {
        var visible: [Double] = []
        for m in maps.indices {
            for i in maps[m].indices where !isHidden(m, i) { visible.append(maps[m][i]) }
        }
        return visible
    }

    /// One norm over every visible value of every map.
    func resolvedNorm() throws -> ResolvedNorm {
        try ResolvedNorm(norm, values: visibleValues, what: "small multiples" + (title.map { " '\($0)'" } ?? ""))
    }

    private var aspect: Double { Double(mapRows) / Double(mapCols) }

    /// Thumbnail width at automatic size.
    static func automaticThumbnailWidth(gridRows: Int, gridCols: Int) -> Double {
        min(72, max(24, Legibility.maximumMapExtent / Double(max(gridRows, gridCols))))
    }

    private var hasMask: Bool {
        (mask?.contains(true) ?? false) || maps.contains { $0.contains { !$0.isFinite } }
    }

    private struct Margins { var top, left, bottom, right: Double; var colTitlesRotated: Bool }

    private func margins(thumbWidth: Double, theme: Theme, text: TextEngine, bar: ColorBar, gridHeight: Double) -> Margins {
        let tick = TextStyle(size: theme.tickLabelSize, color: theme.textColor)
        let axis = TextStyle(size: theme.axisLabelSize, color: theme.textColor)
        let titleStyle = TextStyle(size: theme.titleSize, color: theme.textColor, bold: true)
        let colWidest = colTitles?.map { text.measure($0, tick, maxWidth: Legibility.maximumLabelWidth).width }.max() ?? 0
        let rotated = colWidest > thumbWidth + Self.gap - 2
        var top = 2.0
        if let title, !title.isEmpty { top += text.lineHeight(titleStyle) + 7 }
        if let colAxisLabel, !colAxisLabel.isEmpty { top += text.lineHeight(axis) + 4 }
        if colTitles != nil { top += (rotated ? colWidest : text.lineHeight(tick)) + 3 }
        var left = 2.0
        if let rowTitles { left += (rowTitles.map { text.measure($0, tick, maxWidth: Legibility.maximumLabelWidth).width }.max() ?? 0) + 4 }
        if let rowAxisLabel, !rowAxisLabel.isEmpty { left += text.lineHeight(axis) + 4 }
        return Margins(top: top, left: left, bottom: 4, right: bar.width(length: min(gridHeight, ColorBar.maximumLength), text: text),
                       colTitlesRotated: rotated)
    }

    private func bar(_ norm: ResolvedNorm, _ theme: Theme) -> ColorBar {
        ColorBar(colormap: colormap, norm: norm, label: colorBarLabel, showsMaskSwatch: hasMask, theme: theme,
                 maskCellSize: 0, clipping: norm.clipping(of: visibleValues))
    }

    func preferredSize(theme: Theme, text: TextEngine) throws -> Size {
        let norm = try resolvedNorm()
        let w = Self.automaticThumbnailWidth(gridRows: gridRows, gridCols: gridCols)
        let h = w * aspect
        let gridWidth = Double(gridCols) * w + Double(gridCols - 1) * Self.gap
        let gridHeight = Double(gridRows) * h + Double(gridRows - 1) * Self.gap
        let m = margins(thumbWidth: w, theme: theme, text: text, bar: bar(norm, theme), gridHeight: gridHeight)
        return Size(width: m.left + gridWidth + m.right, height: m.top + gridHeight + m.bottom)
    }

    func draw(in frame: Rect, canvas: Canvas, theme: Theme) throws {
        let norm = try resolvedNorm()
        let text = canvas.text
        let colorBar = bar(norm, theme)
        var m = margins(thumbWidth: 30, theme: theme, text: text, bar: colorBar, gridHeight: frame.height * 0.8)
        var w = 1.0
        for _ in 0..<2 {
            let byWidth = (frame.width - m.left - m.right - Double(gridCols - 1) * Self.gap) / Double(gridCols)
            let byHeight = (frame.height - m.top - m.bottom - Double(gridRows - 1) * Self.gap) / (Double(gridRows) * aspect)
            w = max(1, min(byWidth, byHeight))
            m = margins(thumbWidth: w, theme: theme, text: text, bar: colorBar,
                        gridHeight: Double(gridRows) * w * aspect + Double(gridRows - 1) * Self.gap)
        }
        let h = w * aspect
        let gridWidth = Double(gridCols) * w + Double(gridCols - 1) * Self.gap
        let gridHeight = Double(gridRows) * h + Double(gridRows - 1) * Self.gap
        let blockWidth = m.left + gridWidth + m.right, blockHeight = m.top + gridHeight + m.bottom
        let grid = Rect(x: frame.minX + (alignsLeft ? 0 : max(0, (frame.width - blockWidth) / 2)) + m.left,
                        y: frame.minY + max(0, (frame.height - blockHeight) / 2) + m.top,
                        width: gridWidth, height: gridHeight)

        let table = colormap.lookupTable()
        let maskFill = theme.maskStyle.fill.packedRGB
        let cell = min(w / Double(mapCols), h / Double(mapRows))
        for (index, map) in maps.enumerated() {
            let r = index / gridCols, c = index % gridCols
            let thumb = Rect(x: grid.minX + Double(c) * (w + Self.gap), y: grid.minY + Double(r) * (h + Self.gap), width: w, height: h)
            var pixels = [UInt32](repeating: maskFill, count: map.count)
            for i in map.indices where !isHidden(index, i) {
                pixels[i] = table[Int((norm.fraction(map[i]) * Double(table.count - 1)).rounded())]
            }
            try canvas.image(pixels: pixels, width: mapCols, height: mapRows, in: thumb, sharp: cell >= canvas.pointsPerPixel)
            if let leadingGroup { drawSeparators(leadingGroup, in: thumb, cell: cell, canvas: canvas) }
            canvas.stroke(thumb, theme.axisColor.withAlpha(0.6), width: 0.4)
        }

        let tick = TextStyle(size: theme.tickLabelSize, color: theme.textColor)
        let axis = TextStyle(size: theme.axisLabelSize, color: theme.textColor)
        let titleStyle = TextStyle(size: theme.titleSize, color: theme.textColor, bold: true)
        var topEdge = grid.minY
        if let colTitles {
            let stride = m.colTitlesRotated ? Legibility.labelStride(cellSize: w + Self.gap) : 1
            var tallest = 0.0
            for c in Swift.stride(from: 0, to: gridCols, by: stride) {
                let x = grid.minX + Double(c) * (w + Self.gap) + w / 2
                let e = m.colTitlesRotated
                    ? text.draw(colTitles[c], tick, at: Point(x: x, y: grid.minY - 3), horizontal: .leading, vertical: .middle,
                                angle: 90, maxWidth: Legibility.maximumLabelWidth)
                    : text.draw(colTitles[c], tick, at: Point(x: x, y: grid.minY - 3), horizontal: .center, vertical: .bottom)
                tallest = max(tallest, m.colTitlesRotated ? e.width : e.height)
            }
            topEdge -= tallest + 3
        }
        if let colAxisLabel, !colAxisLabel.isEmpty {
            let e = text.draw(colAxisLabel, axis, at: Point(x: grid.midX, y: topEdge - 2), horizontal: .center, vertical: .bottom)
            topEdge -= e.height + 4
        }
        var leftEdge = grid.minX
        if let rowTitles {
            let stride = Legibility.labelStride(cellSize: h + Self.gap)
            var widest = 0.0
            for r in Swift.stride(from: 0, to: gridRows, by: stride) {
                let y = grid.minY + Double(r) * (h + Self.gap) + h / 2
                let e = text.draw(rowTitles[r], tick, at: Point(x: grid.minX - 4, y: y), horizontal: .trailing,
                                  vertical: .middle, maxWidth: Legibility.maximumLabelWidth)
                widest = max(widest, e.width)
            }
            leftEdge -= widest + 4
        }
        if let rowAxisLabel, !rowAxisLabel.isEmpty {
            text.draw(rowAxisLabel, axis, at: Point(x: leftEdge - 4, y: grid.midY), horizontal: .center,
                      vertical: .bottom, angle: 90, maxWidth: grid.height)
        }
        if let title, !title.isEmpty {
            let width = text.measure(title, titleStyle, maxWidth: frame.width).width
            let x = min(max(grid.midX, frame.minX + width / 2), frame.maxX - width / 2)
            text.draw(title, titleStyle, at: Point(x: x, y: topEdge - 5), horizontal: .center, vertical: .bottom,
                      maxWidth: frame.width)
        }
        colorBar.draw(besideGrid: grid, canvas: canvas)
    }
}

extension SmallMultiples {
    /// Thinner than a full heatmap's two-tone lines, so they do not hide the cells beside them.
    private func drawSeparators(_ group: LeadingGroup, in thumb: Rect, cell: Double, canvas: Canvas) {
        var segments: [[Point]] = []
        if group.rows > 0, group.rows < mapRows {
            let y = thumb.minY + Double(group.rows) * cell
            segments.append([Point(x: thumb.minX, y: y), Point(x: thumb.maxX, y: y)])
        }
        if group.cols > 0, group.cols < mapCols {
            let x = thumb.minX + Double(group.cols) * cell
            segments.append([Point(x: x, y: thumb.minY), Point(x: x, y: thumb.maxY)])
        }
        for segment in segments { canvas.line(segment, .white, width: 1.0) }
        for segment in segments { canvas.line(segment, Color(hex: 0x222222), width: 0.4) }
    }
}

extension SmallMultiples: PanelConvertible {
    public var panel: Panel { .smallMultiples(self) }
}
