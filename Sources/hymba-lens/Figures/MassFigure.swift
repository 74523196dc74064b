import HymbaKit
import HymbaPlot

/// `attn_mass` / `ssm_mass` `[H, 4]` as stacked bars, one per head: the share of attention
/// (of |α| for SSM heads) that prompt-token queries put on meta tokens, the BOS, themselves and
/// every other token. The four shares of a head sum to 1.
struct MassFigure {
    static let classes = ["meta", "BOS", "self", "cross"]

    let key: RecordingKey
    let tensor: Tensor
    let naming: LayerTitle
    let title: String?

    func figure() throws -> Figure {
        let heads = tensor.shape[0], floats = tensor.floats
        guard tensor.shape.count == 2, tensor.shape[1] == Self.classes.count else {
            throw CLIError("\(key.name) has shape \(tensor.shape), expected [H, 4]")
        }
        let series = Self.classes.enumerated().map { c, name in
            BarSeries(name: name, values: (0..<heads).map { floats[$0 * 4 + c] })
        }
        let ssm = key.point == .ssmMass
        let what = ssm ? "SSM |α| mass" : "attention mass"
        let automatic = (key.layer.map { "\(naming.layer($0)) · " } ?? "") + what
        var chart = try BarChart(categories: (0..<heads).map { "h\($0)" }, series: series, arrangement: .stacked,
                                 title: title ?? automatic, xLabel: "head",
                                 yLabel: ssm ? "share of |α| (prompt-token queries)" : "share of attention (prompt-token queries)")
        chart.yLimits = 0...1
        chart.legend = .outsideRight
        return Figure(panels: [.bar(chart)])
    }
}
