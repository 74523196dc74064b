import Foundation
import HymbaKit
import HymbaPlot

/// Activation-patching heatmaps: for each site, layers (rows) × patched prompt positions
/// (columns), coloured by the recovered fraction of the logit difference on one symmetric
/// scale (red = restores the clean answer, 1 = all of it; blue = pushes further away).
struct PatchFigure {
    let result: ActivationPatching
    /// Column labels: the clean token, "clean/corrupt" where the prompts differ.
    let positionLabels: [String]
    let subject: String

    private var limit: Double {
        max(1, result.maps.flatMap { $0.values.flatMap { $0 } }.filter(\.isFinite).map(abs).max() ?? 1)
    }

    private func heatmap(_ map: ActivationPatching.SiteMap, title: String, small: Bool) throws -> Heatmap {
        var heatmap = try Heatmap(values: map.values.flatMap { $0 }, rows: result.layers, cols: result.positions.count,
                                  rowLabels: (0..<result.layers).map { small ? "\($0)" : "layer \($0)" },
                                  colLabels: small ? result.positions.map(String.init) : positionLabels,
                                  colormap: Colormap.rdBu.reversed, norm: .symmetric(limit: limit), title: title,
                                  xLabel: small ? "position" : "patched position", yLabel: "layer",
                                  colorBarLabel: "recovered logit difference")
        if !small && result.layers * result.positions.count <= 300 { heatmap.cellValueDecimals = 2 }
        heatmap.showsColorBar = !small
        return heatmap
    }

    private var automaticTitle: String {
        "activation patching · \(subject)"
    }

    /// The residual stream, attention branch and SSM branch, side by side.
    func sites() throws -> Figure {
        let titles: [ActivationPatching.Site: String] = [.residual: "residual stream after the layer",
                                                         .attention: "attention branch output", .ssm: "SSM branch output"]
        let panels = try [ActivationPatching.Site.residual, .attention, .ssm].compactMap { site in
            try result.map(site).map { Panel.heatmap(try heatmap($0, title: titles[site]!, small: false)) }
        }
        return Figure(columns: 1, title: automaticTitle, panels: panels)
    }

    /// Every head of one branch (`attentionHead` or `ssmHead` sites), as small multiples.
    func heads(attention: Bool) throws -> Figure? {
        let maps = result.maps.filter {
            switch $0.site {
            case .attentionHead: return attention
            case .ssmHead: return !attention
            default: return false
            }
        }
        guard !maps.isEmpty else { return nil }
        let panels = try maps.map { Panel.heatmap(try heatmap($0, title: "\(attention ? "attention" : "SSM") head \($0.site.description.split(separator: "h").last!)", small: true)) }
        return Figure(columns: min(4, panels.count), title: automaticTitle + " · \(attention ? "attention" : "SSM") heads"
                          + String(format: " (red +%.2f … blue −%.2f, as patch.png)", limit, limit),
                      panels: panels)
    }
}
