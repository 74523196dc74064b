import Foundation
import HymbaKit
import HymbaPlot

/// The logit-lens figure: a layers × positions grid whose cells name the lens's most likely
/// next token and are coloured by its probability (optionally with the target's rank under
/// it), and, when there is a target, its log-probability by layer as lines.
///
/// The last layer is the top row, so the grid reads like the model: input at the bottom, the
/// output it arrives at on top; that row is the model's own prediction.
struct LensFigure {
    let grid: LensGrid
    /// The prompt's token labels (`TokenSequence.tokens`), indexed by position.
    let promptTokens: [String]
    /// The label of any vocabulary id (its piece, or the id without a tokenizer).
    let tokenLabel: (Int) -> String
    let showsRank: Bool
    /// Positions whose target log-probability is drawn as a line (empty: no line plot).
    let linePositions: [Int]
    let colormap: Colormap
    let naming: LayerTitle
    let title: String?

    /// Grid rows top to bottom: the last layer first.
    private var rowLayers: [Int] { Array(grid.layers.reversed()) }

    func figure() throws -> Figure {
        var panels: [Panel] = [.heatmap(try heatmap())]
        if !linePositions.isEmpty { panels.append(.line(try linePlot())) }
        let automatic = [naming.model, "logit lens"].compactMap { $0 }.joined(separator: " · ")
        return Figure(columns: 1, title: title ?? automatic, panels: panels)
    }

    func heatmap() throws -> Heatmap {
        let rows = rowLayers.count, cols = grid.positions.count
        var values: [Double] = [], primary: [String] = [], secondary: [String] = []
        for layer in rowLayers {
            let l = grid.layers.firstIndex(of: layer)!
            for p in 0..<cols {
                let cell = grid.cells[l][p]
                values.append(cell.top.first?.probability ?? .nan)
                primary.append(cell.top.first.map { tokenLabel($0.id) } ?? "")
                secondary.append(cell.target.map { "#\($0.rank)" } ?? "")
            }
        }
        var map = try Heatmap(values: values, rows: rows, cols: cols,
                              rowLabels: rowLayers.map { "layer \($0)" },
                              colLabels: grid.positions.map { promptTokens[$0] },
                              colormap: colormap, norm: .linear(min: 0, max: 1),
                              title: showsRank ? "top-1 next token · #rank of the target" : "top-1 next token",
                              xLabel: "prompt token (\(positionsNote))",
                              yLabel: "residual stream after layer", colorBarLabel: "p(top-1 token)")
        map.cellTexts = try CellTexts(rows: rows, cols: cols, primary: primary, secondary: showsRank ? secondary : nil)
        return map
    }

    /// "positions 17–34", or the list when the positions have gaps ("positions 3, 4, 12").
    private var positionsNote: String {
        let p = grid.positions
        if p.count == 1 { return "position \(p[0])" }
        if p.last! - p.first! + 1 == p.count { return "positions \(p.first!)–\(p.last!)" }
        return p.count <= 12 ? "positions " + p.map(String.init).joined(separator: ", ") : "\(p.count) positions from \(p.first!) to \(p.last!)"
    }

    func linePlot() throws -> LinePlot {
        let series = try linePositions.map { position -> LineSeries in
            let p = grid.positions.firstIndex(of: position)!
            let target = grid.targets[p]
            let y = grid.layers.indices.map { grid.cells[$0][p].target?.logProbability ?? .nan }
            let name = "\(promptTokens[position]) → \(target.map(tokenLabel) ?? "?") (position \(position))"
            return try LineSeries(name: name, y: y, x: grid.layers.map(Double.init))
        }
        return try LinePlot(series: series, title: "log-probability of the target by layer",
                            xLabel: "layer", yLabel: "log p(target)")
    }
}
