import Foundation

/// A matrix drawn as coloured cells with token-labelled rows and columns and a colour bar: an
/// attention map (queries × keys), an SSM map, a layer × head table.
///
/// Row 0 is at the top, column 0 on the left, as the matrix is written. Cells are square unless
/// `squareCells` is false; their size follows `Legibility` (quote it in `--help`).
///
/// **Missing values**: NaN and ±∞ are drawn like masked cells and ignored when automatic norm
/// limits are computed; a map with no finite unmasked value throws `PlotError.noFiniteValues`.
///
/// ```swift
/// var map = try Heatmap(values: probs, rows: n, cols: n, rowLabels: tokens, colLabels: tokens,
///                       mask: causalMask, norm: .linear(min: 0, max: 1),
///                       title: "layer 3 · head 1", xLabel: "key", yLabel: "query")
/// map.leadingGroup = LeadingGroup(rows: 0, cols: 128, label: "meta")
/// try map.render(to: URL(fileURLWithPath: "attn.pdf"))
/// ```
public struct Heatmap: Sendable {
    public let rows: Int
    public let cols: Int
    /// Row-major, `rows × cols`.
    public let values: [Double]
    public let rowLabels: [String]?
    public let colLabels: [String]?
    /// Row-major, `true` = masked (not computed / not visible), drawn in `Theme.maskStyle`.
    public let mask: [Bool]?

    public var colormap: Colormap
    public var norm: Norm
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var colorBarLabel: String?
    public var showsColorBar = true
    /// Print each value inside its cell, with this many decimals (nil = don't). Values are drawn
    /// only when the widest one fits its cell, in black or white for contrast with the cell.
    public var cellValueDecimals: Int?
    /// Text inside each cell (e.g. a token); cells are then sized for the text, not square.
    /// See `CellTexts`.
    public var cellTexts: CellTexts?
    /// Separator lines after the first rows / columns, with a group label (e.g. meta tokens).
    public var leadingGroup: LeadingGroup?
    /// Square cells (default) keep attention maps undistorted; false stretches to fill the panel.
    /// Maps with `cellTexts` are never forced square (their cells are sized for the text).
    public var squareCells = true

    /// - Parameters:
    ///   - values: `rows × cols` numbers, row-major (`Float` or `Double`).
    ///   - rowLabels, colLabels: one per row / column, any token text (see `TokenLabel`); nil
    ///     labels rows and columns with their indices.
    ///   - mask: `rows × cols` flags, row-major; `true` marks a masked cell.
    /// - Throws: `PlotError.emptyData` for zero rows or columns, `.countMismatch` when an array's
    ///   length disagrees with the shape.
    public init<Value: BinaryFloatingPoint>(
        values: [Value], rows: Int, cols: Int,
        rowLabels: [String]? = nil, colLabels: [String]? = nil, mask: [Bool]? = nil,
        colormap: Colormap = .viridis, norm: Norm = .linear(),
        title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, colorBarLabel: String? = nil
    ) throws {
        guard rows > 0, cols > 0 else { throw PlotError.emptyData(what: "heatmap (\(rows) × \(cols))") }
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard !overflow else { throw PlotError.invalidArgument("heatmap shape \(rows) × \(cols) is too large") }
        guard values.count == count else {
            throw PlotError.countMismatch(what: "heatmap values for \(rows) × \(cols)", expected: count, actual: values.count)
        }
        if let rowLabels, rowLabels.count != rows {
            throw PlotError.countMismatch(what: "heatmap row labels", expected: rows, actual: rowLabels.count)
        }
        if let colLabels, colLabels.count != cols {
            throw PlotError.countMismatch(what: "heatmap column labels", expected: cols, actual: colLabels.count)
        }
        if let mask, mask.count != count {
            throw PlotError.countMismatch(what: "heatmap mask for \(rows) × \(cols)", expected: count, actual: mask.count)
        }
        self.rows = rows
        self.cols = cols
        self.values = Value.self == Double.self ? values as! [Double] : values.map { Double($0) }
        self.rowLabels = rowLabels
        self.colLabels = colLabels
        self.mask = mask
        self.colormap = colormap
        self.norm = norm
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colorBarLabel = colorBarLabel
    }

    /// A window of the map (labels, mask and styling kept): chunk a long sequence into readable
    /// pieces. A leading group is shifted with the window and dropped if it falls outside.
    ///
    /// - Throws: `PlotError.invalidArgument` when a range is empty or outside the map.
    public func cropped(rows rowRange: Range<Int>, cols colRange: Range<Int>) throws -> Heatmap {
        guard !rowRange.isEmpty, !colRange.isEmpty, rowRange.lowerBound >= 0, colRange.lowerBound >= 0,
              rowRange.upperBound <= rows, colRange.upperBound <= cols else {
            throw PlotError.invalidArgument("crop \(rowRange) × \(colRange) is empty or outside the \(rows) × \(cols) map")
        }
        var picked: [Double] = []
        var pickedMask: [Bool]? = mask == nil ? nil : []
        picked.reserveCapacity(rowRange.count * colRange.count)
        for r in rowRange {
            picked.append(contentsOf: values[(r * cols + colRange.lowerBound)..<(r * cols + colRange.upperBound)])
            if let mask { pickedMask!.append(contentsOf: mask[(r * cols + colRange.lowerBound)..<(r * cols + colRange.upperBound)]) }
        }
        var copy = try Heatmap(values: picked, rows: rowRange.count, cols: colRange.count,
                               rowLabels: rowLabels.map { Array($0[rowRange]) },
                               colLabels: colLabels.map { Array($0[colRange]) },
                               mask: pickedMask, colormap: colormap, norm: norm, title: title,
                               xLabel: xLabel, yLabel: yLabel, colorBarLabel: colorBarLabel)
        copy.showsColorBar = showsColorBar
        copy.cellValueDecimals = cellValueDecimals
        if let texts = cellTexts {
            func pick(_ all: [String]) -> [String] { rowRange.flatMap { r in colRange.map { all[r * cols + $0] } } }
            copy.cellTexts = try CellTexts(rows: rowRange.count, cols: colRange.count, primary: pick(texts.primary),
                                           secondary: texts.secondary.map(pick))
        }
        copy.squareCells = squareCells
        if let group = leadingGroup {
            let r = max(0, min(group.rows, rowRange.upperBound) - rowRange.lowerBound)
            let c = max(0, min(group.cols, colRange.upperBound) - colRange.lowerBound)
            copy.leadingGroup = (r > 0 || c > 0) ? LeadingGroup(rows: r, cols: c, label: group.label) : nil
        }
        copy.rowIndexOffset = rowIndexOffset + rowRange.lowerBound
        copy.colIndexOffset = colIndexOffset + colRange.lowerBound
        return copy
    }

    /// Without token labels, cells are labelled with their index in the original (uncropped) map.
    var rowIndexOffset = 0
    var colIndexOffset = 0

    func isHidden(_ index: Int) -> Bool {
        !values[index].isFinite || (mask?[index] ?? false)
    }

    /// The finite, unmasked values.
    var visibleValues: [Double] {
        mask == nil ? values : values.indices.compactMap { isHidden($0) ? nil : values[$0] }
    }

    /// The norm resolved against the finite, unmasked values.
    func resolvedNorm() throws -> ResolvedNorm {
        try ResolvedNorm(norm, values: visibleValues, what: "heatmap" + (title.map { " '\($0)'" } ?? ""))
    }
}

/// The first rows and columns set apart as a group, e.g. Hymba's meta tokens before the prompt.
public struct LeadingGroup: Hashable, Sendable {
    /// How many leading rows (0 = no row separator).
    public var rows: Int
    /// How many leading columns (0 = no column separator).
    public var cols: Int
    /// Shown beside the bracket over those rows / columns, e.g. "meta".
    public var label: String?

    public init(rows: Int, cols: Int, label: String? = nil) {
        self.rows = rows
        self.cols = cols
        self.label = label
    }
}

extension Heatmap: PanelConvertible {
    public var panel: Panel { .heatmap(self) }
}
