import CCairo
import Foundation

/// One plot placed in a figure.
public enum Panel: Sendable {
    case heatmap(Heatmap)
    case line(LinePlot)
    case bar(BarChart)
    case box(BoxPlot)
    case smallMultiples(SmallMultiples)
    /// A blank cell, to leave a gap in a grid.
    case empty
}

/// Anything that can be a panel; gives every plot type `render(to:)` on its own.
public protocol PanelConvertible {
    var panel: Panel { get }
}

extension PanelConvertible {
    /// Writes this plot alone as a figure (size from the plot's own rule unless given).
    /// - Throws: `PlotError` — nothing is written on error.
    public func render(to url: URL, dpi: Double = 144, width: Double? = nil, height: Double? = nil,
                       theme: Theme = .paper) throws {
        try Figure(width: width, height: height, theme: theme, panels: [panel]).render(to: url, dpi: dpi)
    }

    /// The file bytes of this plot alone as a figure, without touching the disk.
    public func renderData(format: OutputFormat, dpi: Double = 144, width: Double? = nil, height: Double? = nil,
                           theme: Theme = .paper) throws -> Data {
        try Figure(width: width, height: height, theme: theme, panels: [panel]).renderData(format: format, dpi: dpi)
    }
}

/// A page of panels in a grid, e.g. an attention map and the SSM map of the same head side by
/// side, each with its own title, axis labels and colour bar.
///
/// Panels fill the grid row by row. Without an explicit size each column is as wide as its widest
/// panel wants and each row as tall as its tallest; with an explicit size those shares are scaled
/// to fit. Sizes are in points.
///
/// ```swift
/// let figure = Figure(columns: 2, title: "layer 5, head 3",
///                     panels: [.heatmap(attention), .heatmap(ssm)])
/// try figure.render(to: URL(fileURLWithPath: "head.svg"))
/// ```
public struct Figure: Sendable {
    public var panels: [Panel]
    /// Grid columns; rows are as many as the panels need.
    public var columns: Int
    public var width: Double?
    public var height: Double?
    public var title: String?
    public var theme: Theme

    /// Space around the figure and between panels.
    static let padding = 8.0

    public init(width: Double? = nil, height: Double? = nil, columns: Int? = nil, title: String? = nil,
                theme: Theme = .paper, panels: [Panel]) {
        self.panels = panels
        self.columns = columns ?? max(1, panels.count)
        self.width = width
        self.height = height
        self.title = title
        self.theme = theme
    }

    public init(width: Double? = nil, height: Double? = nil, title: String? = nil, theme: Theme = .paper,
                _ content: PanelConvertible...) {
        self.init(width: width, height: height, columns: content.count, title: title, theme: theme,
                  panels: content.map(\.panel))
    }

    /// Renders to `url`, the format chosen by its extension (.png, .svg, .pdf), written atomically.
    ///
    /// - Parameter dpi: raster resolution for PNG (pixel size = points × dpi / 72); vector
    ///   formats ignore it.
    /// - Throws: `PlotError` — on any error nothing is written and no temporary file remains.
    public func render(to url: URL, dpi: Double = 144) throws {
        let format = try OutputFormat(path: url)
        let data = try renderData(format: format, dpi: dpi)
        try AtomicFile.write(data, to: url)
    }

    /// The complete file in memory.
    public func renderData(format: OutputFormat, dpi: Double = 144) throws -> Data {
        try validate()
        let measure = try MeasuringContext(theme: theme)
        let plan = try plan(text: measure.text)
        let canvas = try Canvas(format: format, size: plan.size, dpi: dpi, theme: theme)
        if let title, !title.isEmpty {
            canvas.text.draw(title, titleStyle, at: Point(x: plan.size.width / 2, y: Self.padding),
                             horizontal: .center, vertical: .top, maxWidth: plan.size.width - 2 * Self.padding)
        }
        for (panel, frame) in zip(panels, plan.frames) {
            try draw(panel, in: frame, canvas: canvas)
        }
        return try canvas.finish()
    }

    /// The size the figure will have, in points.
    public func resolvedSize() throws -> Size {
        try validate()
        return try plan(text: MeasuringContext(theme: theme).text).size
    }

    /// Each panel's frame in points (for tests and callers that annotate figures).
    func panelFrames() throws -> [Rect] {
        try validate()
        return try plan(text: MeasuringContext(theme: theme).text).frames
    }

    private var titleStyle: TextStyle { TextStyle(size: theme.figureTitleSize, color: theme.textColor, bold: true) }

    private func validate() throws {
        guard !panels.isEmpty else { throw PlotError.emptyData(what: "figure (no panels)") }
        guard columns >= 1 else { throw PlotError.invalidArgument("figure columns must be ≥ 1, got \(columns)") }
        for (name, value) in [("width", width), ("height", height)] {
            if let value, !(value.isFinite && value > 0) {
                throw PlotError.invalidArgument("figure \(name) must be a positive number of points, got \(value)")
            }
        }
        for panel in panels { try validate(panel) }
    }

    private func validate(_ panel: Panel) throws {
        switch panel {
        case .heatmap(let map):
            try map.validateCellTexts()
            _ = try map.resolvedNorm()
        case .line(let plot): try plot.validate()
        case .bar(let chart): try chart.validate()
        case .box(let plot): try plot.validate()
        case .smallMultiples(let grid): _ = try grid.resolvedNorm()
        case .empty: break
        }
    }

    private func preferredSize(_ panel: Panel, text: TextEngine) throws -> Size {
        switch panel {
        case .heatmap(let map): return try map.preferredSize(theme: theme, text: text)
        case .line(let plot): return plot.preferredSize()
        case .bar(let chart): return chart.preferredSize()
        case .box(let plot): return plot.preferredSize()
        case .smallMultiples(let grid): return try grid.preferredSize(theme: theme, text: text)
        case .empty: return Size(width: 40, height: 40)
        }
    }

    private func draw(_ panel: Panel, in frame: Rect, canvas: Canvas) throws {
        switch panel {
        case .heatmap(let map): try map.draw(in: frame, canvas: canvas, theme: theme)
        case .line(let plot): try plot.draw(in: frame, canvas: canvas, theme: theme)
        case .bar(let chart): try chart.draw(in: frame, canvas: canvas, theme: theme)
        case .box(let plot): try plot.draw(in: frame, canvas: canvas, theme: theme)
        case .smallMultiples(let grid): try grid.draw(in: frame, canvas: canvas, theme: theme)
        case .empty: break
        }
    }

    /// Figure size and one frame per panel.
    private func plan(text: TextEngine) throws -> (size: Size, frames: [Rect]) {
        let rowCount = (panels.count + columns - 1) / columns
        let preferred = try panels.map { try preferredSize($0, text: text) }
        var columnWidths = [Double](repeating: 0, count: columns)
        var rowHeights = [Double](repeating: 0, count: rowCount)
        for (i, size) in preferred.enumerated() {
            columnWidths[i % columns] = max(columnWidths[i % columns], size.width)
            rowHeights[i / columns] = max(rowHeights[i / columns], size.height)
        }
        let pad = Self.padding
        let titleHeight = (title?.isEmpty == false) ? text.lineHeight(titleStyle) + 6 : 0
        let chromeWidth = pad * Double(columns + 1)
        let chromeHeight = pad * Double(rowCount + 1) + titleHeight
        // Automatic sizes are whole points, so that at any multiple of 72 dpi every renderer
        // (Cairo, rsvg-convert, pdftoppm) agrees on the pixel size.
        let size = Size(width: width ?? (columnWidths.reduce(0, +) + chromeWidth).rounded(.up),
                        height: height ?? (rowHeights.reduce(0, +) + chromeHeight).rounded(.up))
        let scaleX = max(0, size.width - chromeWidth) / max(1, columnWidths.reduce(0, +))
        let scaleY = max(0, size.height - chromeHeight) / max(1, rowHeights.reduce(0, +))
        var frames: [Rect] = []
        for i in panels.indices {
            let column = i % columns, row = i / columns
            let x = pad + Double(column) * pad + columnWidths[..<column].reduce(0, +) * scaleX
            let y = pad + titleHeight + Double(row) * pad + rowHeights[..<row].reduce(0, +) * scaleY
            frames.append(Rect(x: x, y: y, width: columnWidths[column] * scaleX, height: rowHeights[row] * scaleY))
        }
        return (size, frames)
    }
}

/// A scratch Cairo context for measuring text before the real canvas (whose size depends on the
/// measurements) exists. Metrics are unhinted, so they match every output surface exactly.
final class MeasuringContext {
    let text: TextEngine
    private let surface: OpaquePointer
    private let cairo: OpaquePointer

    init(theme: Theme) throws {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1) else {
            throw PlotError.renderingFailed("cannot create a measuring surface")
        }
        self.surface = surface
        cairo = cairo_create(surface)
        text = TextEngine(cairo: cairo, fontFamily: theme.fontFamily)
    }

    deinit {
        cairo_destroy(cairo)
        cairo_surface_destroy(surface)
    }
}
