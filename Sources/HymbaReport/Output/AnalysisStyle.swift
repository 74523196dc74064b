import Foundation
import HymbaKit
import HymbaPlot

/// Labels and number formats shared by every analysis figure, so layers, heads and classes
/// look the same in all of them.
enum AnalysisStyle {
    /// "0*", "1", "2", "3*" … — a star marks a global-attention layer.
    static func layerLabels(_ config: HymbaConfig) -> [String] {
        (0..<config.hiddenLayers).map { config.isGlobal(layer: $0) ? "\($0)*" : "\($0)" }
    }

    static let layerAxis = "layer (* = global attention)"

    static func headLabels(_ count: Int) -> [String] { (0..<count).map { "h\($0)" } }

    /// Series names of the four mass classes, in `MassShares` order.
    static let massClassNames = ["meta tokens", "BOS", "self", "other tokens"]

    /// "sliding (W=64)" or "global".
    static func layerKind(_ config: HymbaConfig, layer: Int) -> String {
        config.isGlobal(layer: layer) ? "global" : "sliding"
    }

    /// 0.1234 → "0.123"; NaN → "n/a".
    static func decimal(_ value: Double, _ digits: Int = 3) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "n/a"
    }

    /// 0.1234 → "12.3 %".
    static func percent(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1f %%", value * 100) : "n/a"
    }

    /// p-values: "< 0.001" style only below the resolution of the test.
    static func pValue(_ p: Double, permutations: Int) -> String {
        guard p.isFinite else { return "n/a" }
        return p <= 1.0 / Double(permutations + 1) + 1e-15 ? String(format: "%.4g (the smallest possible with %d permutations)", p, permutations)
                                                           : String(format: "%.3g", p)
    }

    /// The model's folder name, for figure titles.
    static func modelName(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
    }

    /// A size (points) for a figure of `panels` layer × head heatmaps side by side that leaves
    /// room for the cell values of a small model; nil (automatic) for larger grids, where the
    /// values would not fit anyway.
    static func layerHeadFigureSize(_ config: HymbaConfig, panels: Int) -> (width: Double?, height: Double?) {
        let layers = config.hiddenLayers, heads = config.attentionHeads
        guard layers * heads <= 96 else { return (nil, nil) }
        let cell = 34.0
        return (Double(panels) * (150 + cell * Double(heads)), 110 + cell * Double(layers))
    }

    /// A heatmap norm for values that may go both ways: symmetric around 0 when any value is
    /// negative (read with RdBu), else 0 … max (read with magma).
    static func signedNorm(_ values: [Double]) -> (Norm, Colormap) {
        if values.contains(where: { $0.isFinite && $0 < 0 }) { return (.symmetric(), Colormap.rdBu.reversed) }
        return (.linear(min: 0), .magma)
    }
}
