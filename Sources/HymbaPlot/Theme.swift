/// How masked cells (e.g. future positions, keys outside a sliding window) are drawn, always
/// distinguishable from a cell whose value is zero.
public enum MaskStyle: Hashable, Sendable {
    /// A neutral fill crossed by thin diagonal lines (the lines only where cells are ≥ 4 pt).
    case hatched(fill: Color, lines: Color)
    /// A plain neutral fill.
    case solid(Color)

    /// Light grey with mid-grey hatching: a colour none of the built-in maps contains.
    public static let standard = MaskStyle.hatched(fill: Color(hex: 0xE4E4E4), lines: Color(hex: 0xA8A8A8))

    public var fill: Color {
        switch self {
        case .hatched(let fill, _), .solid(let fill): return fill
        }
    }
}

/// Fonts, sizes and colours shared by every panel of a figure.
///
/// The defaults follow what journals ask for: a sans-serif face, 7–10 pt text at the printed size,
/// thin dark-grey axes, no top/right spines. All sizes are in points.
public struct Theme: Hashable, Sendable {
    /// Pango font family; fontconfig falls back to other installed fonts per glyph (e.g. CJK).
    public var fontFamily = "DejaVu Sans"
    public var figureTitleSize = 11.0
    public var titleSize = 9.5
    public var axisLabelSize = 8.5
    public var tickLabelSize = 7.5
    /// Token labels on heatmap rows and columns; `Heatmap.Legibility` is tuned to this size.
    public var tokenLabelSize = 7.0
    public var legendSize = 7.5
    public var cellValueSize = 6.5

    public var textColor = Color(hex: 0x1A1A1A)
    public var axisColor = Color(hex: 0x3C3C3C)
    public var gridColor = Color(hex: 0xE6E6E6)
    public var background = Color.white

    public var axisLineWidth = 0.8
    public var seriesLineWidth = 1.5
    public var tickLength = 3.5
    /// Colours for series, bar segments and box groups, in order.
    public var palette = CategoricalPalette.tolBright
    public var maskStyle = MaskStyle.standard

    public init() {}

    /// The default theme.
    public static let paper = Theme()
}
