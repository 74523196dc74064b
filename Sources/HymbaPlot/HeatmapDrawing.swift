import Foundation

/// Where the parts of a heatmap land in a frame: computed once, then drawn.
struct HeatmapLayout {
    var map: Rect
    var cellWidth: Double
    var cellHeight: Double
    var rowStride: Int
    var colStride: Int
    var colLabelsRotated: Bool
    /// Width reserved for row labels (0 when there are none).
    var rowLabelWidth: Double
}

extension Heatmap {
    static let tickGap = 2.0
    static let titleGap = 7.0
    static let axisLabelGap = 5.0
    static let groupGap = 3.0

    private func styles(_ theme: Theme) -> (token: TextStyle, axis: TextStyle, title: TextStyle, group: TextStyle) {
        (TextStyle(size: theme.tokenLabelSize, color: theme.textColor),
         TextStyle(size: theme.axisLabelSize, color: theme.textColor),
         TextStyle(size: theme.titleSize, color: theme.textColor, bold: true),
         TextStyle(size: theme.tokenLabelSize, color: theme.textColor, italic: true))
    }

    func rowLabel(_ i: Int) -> String { rowLabels.map { TokenLabel.visible($0[i]) } ?? String(i + rowIndexOffset) }
    func colLabel(_ j: Int) -> String { colLabels.map { TokenLabel.visible($0[j]) } ?? String(j + colIndexOffset) }

    private func stride(cell: Double, indexLabels: Bool) -> Int {
        indexLabels ? Legibility.niceStride(cellSize: cell) : Legibility.labelStride(cellSize: cell)
    }

    private func widestLabel(count: Int, label: (Int) -> String, indexLabels: Bool, style: TextStyle, text: TextEngine) -> Double {
        if indexLabels {
            return text.measure(String(count - 1 + max(rowIndexOffset, colIndexOffset)), style).width
        }
        var widest = 0.0
        for i in 0..<count {
            widest = max(widest, text.measure(label(i), style, maxWidth: Legibility.maximumLabelWidth).width)
            if widest >= Legibility.maximumLabelWidth { break }
        }
        return widest
    }

    private var hasRowGroupLabel: Bool { (leadingGroup?.rows ?? 0) > 0 && leadingGroup?.label?.isEmpty == false }
    private var hasColGroupLabel: Bool { (leadingGroup?.cols ?? 0) > 0 && leadingGroup?.label?.isEmpty == false }
    var hasMaskedCells: Bool { values.indices.contains { isHidden($0) } }

    /// Margins around the map for given cell sizes, and whether column labels fit horizontally.
    private func margins(cellWidth: Double, cellHeight: Double, forceRotated: Bool, theme: Theme, text: TextEngine,
                         colorBar: ColorBar?, mapHeight: Double)
        -> (top: Double, left: Double, bottom: Double, right: Double, rotated: Bool, rowLabelWidth: Double) {
        let s = styles(theme)
        let tokenLine = text.lineHeight(s.token)
        let rowWidth = widestLabel(count: rows, label: rowLabel, indexLabels: rowLabels == nil, style: s.token, text: text)
        let colWidth = widestLabel(count: cols, label: colLabel, indexLabels: colLabels == nil, style: s.token, text: text)
        let colStride = stride(cell: cellWidth, indexLabels: colLabels == nil)
        let rotated = forceRotated || colWidth > Double(colStride) * cellWidth * 0.9

        var top = 2.0
        if let title, !title.isEmpty { top += text.lineHeight(s.title) + Self.titleGap }
        if hasColGroupLabel { top += tokenLine + Self.groupGap + 2 }
        var left = theme.tickLength * 0.6 + Self.tickGap + rowWidth
        if hasRowGroupLabel { left += tokenLine + Self.groupGap + 2 }
        if let yLabel, !yLabel.isEmpty { left += text.lineHeight(s.axis) + Self.axisLabelGap }
        var bottom = theme.tickLength * 0.6 + Self.tickGap + (rotated ? colWidth : tokenLine)
        if let xLabel, !xLabel.isEmpty { bottom += text.lineHeight(s.axis) + Self.axisLabelGap }
        let right = colorBar.map { $0.width(length: mapHeight, text: text) } ?? 2
        return (top, left, bottom, right, rotated, rowWidth)
    }

    func colorBar(norm: ResolvedNorm, theme: Theme) -> ColorBar? {
        showsColorBar ? ColorBar(colormap: colormap, norm: norm, label: colorBarLabel,
                                 showsMaskSwatch: hasMaskedCells, theme: theme,
                                 clipping: norm.clipping(of: visibleValues)) : nil
    }

    /// The size this heatmap asks for on its own, following `Legibility`'s automatic-size rule.
    func preferredSize(theme: Theme, text: TextEngine) throws -> Size {
        let norm = try resolvedNorm()
        let square = Legibility.automaticCellSize(count: max(rows, cols))
        let cell = cellTextSize(theme: theme, text: text) ?? Size(width: square, height: square)
        let m = margins(cellWidth: cell.width, cellHeight: cell.height, forceRotated: false, theme: theme, text: text,
                        colorBar: colorBar(norm: norm, theme: theme), mapHeight: cell.height * Double(rows))
        let width = m.left + cell.width * Double(cols) + m.right
        let titleWidth = title.map { text.measure($0, styles(theme).title).width } ?? 0
        var height = m.top + cell.height * Double(rows) + m.bottom
        if showsColorBar {
            // Room for a full-length bar under the title even beside a one-row map.
            let titleBlock = (title?.isEmpty == false) ? text.lineHeight(styles(theme).title) + Self.titleGap : 0
            height = max(height, titleBlock + ColorBar.minimumLength + 8)
        }
        return Size(width: max(width, titleWidth + 8), height: height)
    }

    func layout(in frame: Rect, norm: ResolvedNorm, theme: Theme, text: TextEngine) -> HeatmapLayout {
        let bar = colorBar(norm: norm, theme: theme)
        func attempt(forceRotated: Bool) -> (HeatmapLayout, Bool) {
            // The colour-bar width depends (a little) on the map height; estimate with the frame.
            var m = margins(cellWidth: 8, cellHeight: 8, forceRotated: forceRotated, theme: theme, text: text,
                            colorBar: bar, mapHeight: frame.height * 0.8)
            var cw = 1.0, ch = 1.0
            for _ in 0..<2 {
                let availableWidth = max(1, frame.width - m.left - m.right)
                let availableHeight = max(1, frame.height - m.top - m.bottom)
                cw = availableWidth / Double(cols)
                ch = availableHeight / Double(rows)
                if squareCells && cellTexts == nil { cw = min(cw, ch); ch = cw }
                m = margins(cellWidth: cw, cellHeight: ch, forceRotated: forceRotated, theme: theme, text: text,
                            colorBar: bar, mapHeight: ch * Double(rows))
            }
            let mapWidth = cw * Double(cols), mapHeight = ch * Double(rows)
            let blockWidth = m.left + mapWidth + m.right, blockHeight = m.top + mapHeight + m.bottom
            let map = Rect(x: frame.minX + max(0, (frame.width - blockWidth) / 2) + m.left,
                           y: frame.minY + max(0, (frame.height - blockHeight) / 2) + m.top,
                           width: mapWidth, height: mapHeight)
            let layout = HeatmapLayout(map: map, cellWidth: cw, cellHeight: ch,
                                       rowStride: stride(cell: ch, indexLabels: rowLabels == nil),
                                       colStride: stride(cell: cw, indexLabels: colLabels == nil),
                                       colLabelsRotated: m.rotated, rowLabelWidth: m.rowLabelWidth)
            return (layout, m.rotated)
        }
        let (first, rotated) = attempt(forceRotated: false)
        if rotated { return first }
        // Horizontal labels were assumed; if the larger cells changed the stride so they no
        // longer fit, fall back to rotated labels.
        let colWidth = widestLabel(count: cols, label: colLabel, indexLabels: colLabels == nil,
                                   style: styles(theme).token, text: text)
        if colWidth <= Double(first.colStride) * first.cellWidth * 0.9 { return first }
        return attempt(forceRotated: true).0
    }

    /// Packed RGB pixels, one per cell; masked and non-finite cells get the mask fill.
    func cellPixels(norm: ResolvedNorm, maskFill: Color) -> [UInt32] {
        let table = colormap.lookupTable()
        let top = Double(table.count - 1)
        let masked = maskFill.packedRGB
        var pixels = [UInt32](repeating: masked, count: values.count)
        values.withUnsafeBufferPointer { v in
            for i in 0..<v.count where !isHidden(i) {
                pixels[i] = table[Int((norm.fraction(v[i]) * top).rounded())]
            }
        }
        return pixels
    }

    /// Rectangles covering runs of hidden cells, row by row.
    func hiddenRuns(in layout: HeatmapLayout) -> [Rect] {
        var runs: [Rect] = []
        for r in 0..<rows {
            var c = 0
            while c < cols {
                guard isHidden(r * cols + c) else { c += 1; continue }
                let start = c
                while c < cols, isHidden(r * cols + c) { c += 1 }
                runs.append(Rect(x: layout.map.minX + Double(start) * layout.cellWidth,
                                 y: layout.map.minY + Double(r) * layout.cellHeight,
                                 width: Double(c - start) * layout.cellWidth, height: layout.cellHeight))
            }
        }
        return runs
    }

    func draw(in frame: Rect, canvas: Canvas, theme: Theme) throws {
        let norm = try resolvedNorm()
        let text = canvas.text
        let s = styles(theme)
        let layout = layout(in: frame, norm: norm, theme: theme, text: text)
        let map = layout.map

        // Cells as one image: no seams between cells, and small files for long sequences.
        let pixels = cellPixels(norm: norm, maskFill: theme.maskStyle.fill)
        let sharp = min(layout.cellWidth, layout.cellHeight) >= canvas.pointsPerPixel
        try canvas.image(pixels: pixels, width: cols, height: rows, in: map, sharp: sharp)
        if min(layout.cellWidth, layout.cellHeight) >= MaskPainter.minimumHatchedCell {
            MaskPainter.paint(hiddenRuns(in: layout), bounds: map, style: theme.maskStyle, canvas: canvas,
                              cellSize: min(layout.cellWidth, layout.cellHeight), fillFirst: false)
        }
        drawCellValues(layout: layout, norm: norm, canvas: canvas, theme: theme)
        drawCellTexts(layout: layout, norm: norm, canvas: canvas, theme: theme)
        drawSeparators(layout: layout, canvas: canvas)
        canvas.stroke(map, theme.axisColor, width: 0.5)

        // Row labels, right-aligned against short ticks.
        let tick = theme.tickLength * 0.6
        for r in Legibility.labelledIndices(count: rows, stride: layout.rowStride, groupEnd: leadingGroup?.rows ?? 0) {
            let y = map.minY + (Double(r) + 0.5) * layout.cellHeight
            canvas.line(from: Point(x: map.minX - tick, y: y), to: Point(x: map.minX, y: y), theme.axisColor, width: 0.5)
            text.draw(rowLabel(r), s.token, at: Point(x: map.minX - tick - Self.tickGap, y: y),
                      horizontal: .trailing, vertical: .middle, maxWidth: Legibility.maximumLabelWidth)
        }
        // Column labels below, rotated to read bottom-to-top when they do not fit side by side.
        var labelsBottom = map.maxY + tick + Self.tickGap
        for c in Legibility.labelledIndices(count: cols, stride: layout.colStride, groupEnd: leadingGroup?.cols ?? 0) {
            let x = map.minX + (Double(c) + 0.5) * layout.cellWidth
            canvas.line(from: Point(x: x, y: map.maxY), to: Point(x: x, y: map.maxY + tick), theme.axisColor, width: 0.5)
            let anchor = Point(x: x, y: map.maxY + tick + Self.tickGap)
            if layout.colLabelsRotated {
                let e = text.draw(colLabel(c), s.token, at: anchor, horizontal: .trailing, vertical: .middle,
                                  angle: 90, maxWidth: Legibility.maximumLabelWidth)
                labelsBottom = max(labelsBottom, anchor.y + e.width)
            } else {
                let e = text.draw(colLabel(c), s.token, at: anchor, horizontal: .center, vertical: .top)
                labelsBottom = max(labelsBottom, anchor.y + e.height)
            }
        }

        // Group brackets (e.g. "meta") outside the labels they group.
        var rowLabelsLeft = map.minX - tick - Self.tickGap - layout.rowLabelWidth
        if let group = leadingGroup, hasRowGroupLabel, let label = group.label {
            let x = rowLabelsLeft - Self.groupGap
            let y1 = map.minY, y2 = map.minY + Double(min(group.rows, rows)) * layout.cellHeight
            canvas.line([Point(x: x + 2, y: y1 + 0.5), Point(x: x, y: y1 + 0.5), Point(x: x, y: y2 - 0.5),
                         Point(x: x + 2, y: y2 - 0.5)], theme.axisColor, width: 0.6)
            text.draw(label, s.group, at: Point(x: x - 2, y: (y1 + y2) / 2), horizontal: .center, vertical: .bottom,
                      angle: 90, maxWidth: max(map.height, y2 - y1))
            rowLabelsLeft = x - 2 - text.lineHeight(s.group)
        }
        var topEdge = map.minY
        if let group = leadingGroup, hasColGroupLabel, let label = group.label {
            let y = map.minY - Self.groupGap
            let x1 = map.minX, x2 = map.minX + Double(min(group.cols, cols)) * layout.cellWidth
            canvas.line([Point(x: x1 + 0.5, y: y + 2), Point(x: x1 + 0.5, y: y), Point(x: x2 - 0.5, y: y),
                         Point(x: x2 - 0.5, y: y + 2)], theme.axisColor, width: 0.6)
            let e = text.draw(label, s.group, at: Point(x: (x1 + x2) / 2, y: y - 2), horizontal: .center,
                              vertical: .bottom, maxWidth: max(map.width, x2 - x1))
            topEdge = y - 2 - e.height
        }

        if let xLabel, !xLabel.isEmpty {
            text.draw(xLabel, s.axis, at: Point(x: map.midX, y: labelsBottom + Self.axisLabelGap),
                      horizontal: .center, vertical: .top, maxWidth: frame.width)
        }
        if let yLabel, !yLabel.isEmpty {
            text.draw(yLabel, s.axis, at: Point(x: rowLabelsLeft - Self.axisLabelGap, y: map.midY),
                      horizontal: .center, vertical: .bottom, angle: 90, maxWidth: frame.height)
        }
        if let title, !title.isEmpty {
            let width = text.measure(title, s.title, maxWidth: frame.width).width
            // Centred over the map, but kept inside the frame.
            let x = min(max(map.midX, frame.minX + width / 2), frame.maxX - width / 2)
            text.draw(title, s.title, at: Point(x: x, y: topEdge - Self.titleGap + 2), horizontal: .center,
                      vertical: .bottom, maxWidth: frame.width)
        }
        // A bar longer than a flat map may extend above and below it, but never into the title.
        var barFrame = frame
        if let title, !title.isEmpty {
            let titleBottom = topEdge - Self.titleGap + 4
            barFrame = Rect(x: frame.minX, y: titleBottom, width: frame.width, height: max(0, frame.maxY - titleBottom))
        }
        var bar = colorBar(norm: norm, theme: theme)
        bar?.maskCellSize = min(layout.cellWidth, layout.cellHeight)
        bar?.draw(beside: map, within: barFrame, canvas: canvas)
    }

    private func drawCellValues(layout: HeatmapLayout, norm: ResolvedNorm, canvas: Canvas, theme: Theme) {
        guard let decimals = cellValueDecimals, rows * cols <= 40_000 else { return }
        let style = TextStyle(size: theme.cellValueSize, color: .black)
        let labels = values.map { TickFormatter.fixed($0, digits: max(0, min(decimals, 10))) }
        let widest = labels.indices.filter { !isHidden($0) }.map { canvas.text.measure(labels[$0], style).width }.max() ?? 0
        guard widest <= layout.cellWidth - 2, canvas.text.lineHeight(style) <= layout.cellHeight else { return }
        for r in 0..<rows {
            for c in 0..<cols where !isHidden(r * cols + c) {
                let i = r * cols + c
                var cellStyle = style
                cellStyle.color = colormap.color(at: norm.fraction(values[i])).contrastingText
                let center = Point(x: layout.map.minX + (Double(c) + 0.5) * layout.cellWidth,
                                   y: layout.map.minY + (Double(r) + 0.5) * layout.cellHeight)
                canvas.text.draw(labels[i], cellStyle, at: center, horizontal: .center, vertical: .middle)
            }
        }
    }

    /// Two-tone lines (white under dark) stay visible on every colour of every map.
    private func drawSeparators(layout: HeatmapLayout, canvas: Canvas) {
        guard let group = leadingGroup else { return }
        let map = layout.map
        var segments: [[Point]] = []
        if group.rows > 0, group.rows < rows {
            let y = map.minY + Double(group.rows) * layout.cellHeight
            segments.append([Point(x: map.minX, y: y), Point(x: map.maxX, y: y)])
        }
        if group.cols > 0, group.cols < cols {
            let x = map.minX + Double(group.cols) * layout.cellWidth
            segments.append([Point(x: x, y: map.minY), Point(x: x, y: map.maxY)])
        }
        for segment in segments { canvas.line(segment, .white, width: 1.8) }
        for segment in segments { canvas.line(segment, Color(hex: 0x222222), width: 0.7) }
    }
}
