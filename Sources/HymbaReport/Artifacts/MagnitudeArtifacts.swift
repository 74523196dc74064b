import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaPlot

/// Files of the `magnitudes` analysis (paper Fig. 12).
enum MagnitudeArtifacts {
    static func write(_ layers: [BranchMagnitudes], passages: Int, tokens: Int, modelPath: String, config: HymbaConfig,
                      writer: ArtifactWriter) throws -> JSONTree {
        let json = self.json(layers, passages: passages, tokens: tokens, modelPath: modelPath, config: config)
        try writer.json(json, name: "magnitudes.json")
        try writer.csv(table(layers, config: config), name: "magnitudes.csv")

        let x = layers.map { Double($0.layer) }
        var rms = try LinePlot(series: [
            LineSeries(name: "attention (attn_out)", y: layers.map(\.attentionRMS), x: x),
            LineSeries(name: "SSM (ssm_out)", y: layers.map(\.ssmRMS), x: x, dash: .dashed),
        ], title: "Branch output RMS before the norms", xLabel: "layer", yLabel: "RMS (mean over real tokens)", yScale: .log)
        rms.legend = .automatic
        var beta = try BarChart(categories: AnalysisStyle.layerLabels(config), series: [
            BarSeries(name: "attention (norm 1)", values: layers.map(\.attentionNormWeight)),
            BarSeries(name: "SSM (norm 2)", values: layers.map(\.ssmNormWeight)),
        ], title: "Mean |weight| of the pre-average norms (β)", xLabel: AnalysisStyle.layerAxis, yLabel: "mean |weight|")
        beta.legend = .outsideRight
        let ratios = layers.map(\.ssmToAttentionRatio)
        let largest = ratios.indices.max { ratios[$0] < ratios[$1] } ?? 0
        let betaRatios = layers.map { $0.attentionNormWeight / $0.ssmNormWeight }
        try writer.figure(Figure(columns: 2, title: "Branch magnitudes — \(AnalysisStyle.modelName(modelPath)), \(passages) passages",
                                 panels: [rms.panel, beta.panel]),
                          name: "magnitudes", title: "Branch output magnitudes and pre-average norm weights",
                          caption: "Left: RMS over channels of the attention and SSM branch outputs before their norms, mean over real tokens and passages (log scale). Right: mean |weight| of each branch's pre-average RMSNorm (pre_avg_layernorm1 for attention, 2 for SSM), the scale each branch gets in the average. SSM/attention RMS ratio: \(ratios.map { AnalysisStyle.decimal($0, 2) }.joined(separator: ", ")) (largest in layer \(largest)); attention/SSM norm-weight ratio: \(betaRatios.map { AnalysisStyle.decimal($0, 2) }.joined(separator: ", ")).")
        return json
    }

    static func json(_ layers: [BranchMagnitudes], passages: Int, tokens: Int, modelPath: String, config: HymbaConfig) -> JSONTree {
        .object([
            ("model", .string(modelPath)),
            ("passages", .integer(passages)),
            ("tokens", .integer(tokens)),
            ("layers", .array(layers.map { layer in
                .object([
                    ("layer", .integer(layer.layer)),
                    ("kind", .string(AnalysisStyle.layerKind(config, layer: layer.layer))),
                    ("attention_rms", .number(layer.attentionRMS)),
                    ("ssm_rms", .number(layer.ssmRMS)),
                    ("ssm_to_attention_rms", .number(layer.ssmToAttentionRatio)),
                    ("attention_normalized_rms", .number(layer.normalizedAttentionRMS)),
                    ("ssm_normalized_rms", .number(layer.normalizedSSMRMS)),
                    ("attention_norm_mean_abs_weight", .number(layer.attentionNormWeight)),
                    ("ssm_norm_mean_abs_weight", .number(layer.ssmNormWeight)),
                ])
            })),
        ])
    }

    static func table(_ layers: [BranchMagnitudes], config: HymbaConfig) -> CSVTable {
        var table = CSVTable(header: ["layer", "kind", "attention_rms", "ssm_rms", "ssm_to_attention_rms",
                                      "attention_normalized_rms", "ssm_normalized_rms",
                                      "attention_norm_mean_abs_weight", "ssm_norm_mean_abs_weight"])
        for layer in layers {
            table.append([.integer(layer.layer), .text(AnalysisStyle.layerKind(config, layer: layer.layer))]
                         + [layer.attentionRMS, layer.ssmRMS, layer.ssmToAttentionRatio, layer.normalizedAttentionRMS,
                            layer.normalizedSSMRMS, layer.attentionNormWeight, layer.ssmNormWeight].map { .number($0) })
        }
        return table
    }
}
