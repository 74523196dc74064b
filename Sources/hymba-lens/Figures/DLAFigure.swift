import Foundation
import HymbaKit
import HymbaPlot

/// The direct-logit-attribution figures: per layer, what the attention branch, the SSM branch
/// and the MLP wrote towards the target's logit (bars), and per layer × head, each attention
/// and SSM head's share (two heatmaps on one shared symmetric scale: red pushes the target up,
/// blue down).
struct DLAFigure {
    /// Means over the rows read.
    let mean: DirectLogitAttribution.Sums
    /// What the rows are, for the titles ("last token → ▁Paris", "mean over 40 rows of 3 prompts").
    let subject: String
    private var layerCount: Int { mean.mlp.count }
    private var automaticTitle: String {
        "direct logit attribution · \(subject)"
    }

    func layers() throws -> Figure {
        let attention = mean.attention.map { $0.reduce(0, +) }, ssm = mean.ssm.map { $0.reduce(0, +) }
        let chart = try BarChart(
            categories: (0..<layerCount).map(String.init),
            series: [BarSeries(name: "attention heads", values: attention, color: .init(hex: 0x1F77B4)),
                     BarSeries(name: "SSM heads", values: ssm, color: .init(hex: 0xD62728)),
                     BarSeries(name: "MLP", values: mean.mlp, color: .init(hex: 0x7F7F7F))],
            title: String(format: "embedding %+.3f · target logit %.3f", mean.embed, mean.logit),
            xLabel: "layer", yLabel: "direct contribution to the target logit")
        return Figure(columns: 1, title: automaticTitle, panels: [.bar(chart)])
    }

    func heads() throws -> Figure {
        let heads = mean.attention.first?.count ?? 0
        let limit = max(1e-12, (mean.attention + mean.ssm).flatMap { $0 }.map(abs).max() ?? 0)
        func map(_ values: [[Double]], _ title: String) throws -> Heatmap {
            var heatmap = try Heatmap(values: values.flatMap { $0 }, rows: layerCount, cols: heads,
                                      rowLabels: (0..<layerCount).map { "layer \($0)" }, colLabels: (0..<heads).map { "h\($0)" },
                                      colormap: Colormap.rdBu.reversed, norm: .symmetric(limit: limit), title: title,
                                      xLabel: "head", yLabel: "layer", colorBarLabel: "contribution to the target logit")
            if heads * layerCount <= 400 { heatmap.cellValueDecimals = 2 }
            return heatmap
        }
        return Figure(columns: 2, title: automaticTitle,
                      panels: [.heatmap(try map(mean.attention, "attention heads")), .heatmap(try map(mean.ssm, "SSM heads"))])
    }
}
