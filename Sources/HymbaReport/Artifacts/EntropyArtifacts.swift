import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaPlot

/// Files of the `entropy` analysis (paper Fig. 15).
enum EntropyArtifacts {
    static func write(withMeta: [LayerEntropy], withoutMeta: [LayerEntropy], passages: Int, tokens: Int,
                      modelPath: String, config: HymbaConfig, writer: ArtifactWriter) throws -> JSONTree {
        let json = self.json(withMeta: withMeta, withoutMeta: withoutMeta, passages: passages, tokens: tokens,
                             modelPath: modelPath, metaCount: config.memoryTokens, config: config)
        try writer.json(json, name: "entropy.json")
        try writer.csv(layerTable(withMeta: withMeta, withoutMeta: withoutMeta, config: config), name: "entropy.csv")
        try writer.csv(headTable(withMeta: withMeta, withoutMeta: withoutMeta), name: "entropy-heads.csv")

        let x = withMeta.map { Double($0.layer) }
        let panels = try [("attention heads", \LayerEntropy.attention), ("SSM heads (|implicit attention|)", \LayerEntropy.ssm)]
            .map { title, path -> Panel in
                try LinePlot(series: [
                    LineSeries(name: "with meta tokens", y: withMeta.map { $0[keyPath: path] }, x: x),
                    LineSeries(name: "without meta tokens", y: withoutMeta.map { $0[keyPath: path] }, x: x, dash: .dashed),
                ], title: title, xLabel: "layer", yLabel: "mean row entropy (nats)").panel
            }
        func change(_ path: KeyPath<LayerEntropy, Double>) -> String {
            zip(withMeta, withoutMeta).map { AnalysisStyle.decimal($0[keyPath: path] - $1[keyPath: path], 2) }.joined(separator: ", ")
        }
        try writer.figure(Figure(columns: 2, title: "Row entropy per layer — \(AnalysisStyle.modelName(modelPath)), \(passages) passages",
                                 panels: panels),
                          name: "entropy", title: "Attention and SSM row entropy, with and without meta tokens",
                          caption: "Mean over heads, real-token rows and passages of the entropy −Σ p ln p of each attention row and of each SSM head's row-normalised |implicit attention|, with the model's \(config.memoryTokens) meta tokens and without them (M = 0); the meta tokens add \(config.memoryTokens) keys to every row, which alone allows a higher entropy (ln k for k keys). Change with − without, per layer: attention \(change(\.attention)); SSM \(change(\.ssm)) nats.")

        // Per head: the change the meta tokens make.
        let heads = config.attentionHeads
        let attention = zip(withMeta, withoutMeta).flatMap { w, wo in zip(w.attentionHeads, wo.attentionHeads).map { $0 - $1 } }
        let ssm = zip(withMeta, withoutMeta).flatMap { w, wo in zip(w.ssmHeads, wo.ssmHeads).map { $0 - $1 } }
        let limit = max(1e-6, (attention + ssm).filter(\.isFinite).map(abs).max() ?? 0)
        let maps = try [("attention heads", attention), ("SSM heads", ssm)].map { title, values -> Panel in
            var map = try Heatmap(values: values, rows: withMeta.count, cols: heads, rowLabels: AnalysisStyle.layerLabels(config),
                                  colLabels: AnalysisStyle.headLabels(heads), colormap: Colormap.rdBu.reversed,
                                  norm: .symmetric(limit: limit), title: title, xLabel: "head", yLabel: AnalysisStyle.layerAxis,
                                  colorBarLabel: "Δ entropy (nats)")
            map.cellValueDecimals = 2
            return map.panel
        }
        let biggest = attention.indices.max { abs(attention[$0]) < abs(attention[$1]) } ?? 0
        let size = AnalysisStyle.layerHeadFigureSize(config, panels: 2)
        try writer.figure(Figure(width: size.width, height: size.height, columns: 2, title: "Entropy with − without meta tokens, per head", panels: maps),
                          name: "entropy-heads", title: "What the meta tokens do to each head's entropy",
                          caption: "Per layer and head, mean row entropy with meta tokens minus without (red: meta tokens spread the rows, blue: they sharpen them). Largest change among attention heads: layer \(biggest / heads) head \(biggest % heads), \(AnalysisStyle.decimal(attention.isEmpty ? .nan : attention[biggest], 2)) nats.")
        return json
    }

    static func json(withMeta: [LayerEntropy], withoutMeta: [LayerEntropy], passages: Int, tokens: Int,
                     modelPath: String, metaCount: Int, config: HymbaConfig) -> JSONTree {
        .object([
            ("model", .string(modelPath)),
            ("meta_tokens", .integer(metaCount)),
            ("passages", .integer(passages)),
            ("tokens", .integer(tokens)),
            ("unit", .string("nats; mean over real-token rows, passages, then heads")),
            ("layers", .array(zip(withMeta, withoutMeta).map { w, wo in
                .object([
                    ("layer", .integer(w.layer)),
                    ("kind", .string(AnalysisStyle.layerKind(config, layer: w.layer))),
                    ("attention", .number(w.attention)),
                    ("ssm", .number(w.ssm)),
                    ("attention_without_meta", .number(wo.attention)),
                    ("ssm_without_meta", .number(wo.ssm)),
                    ("attention_heads", .numbers(w.attentionHeads)),
                    ("ssm_heads", .numbers(w.ssmHeads)),
                    ("attention_heads_without_meta", .numbers(wo.attentionHeads)),
                    ("ssm_heads_without_meta", .numbers(wo.ssmHeads)),
                ])
            })),
        ])
    }

    static func layerTable(withMeta: [LayerEntropy], withoutMeta: [LayerEntropy], config: HymbaConfig) -> CSVTable {
        var table = CSVTable(header: ["layer", "kind", "attention", "ssm", "attention_without_meta", "ssm_without_meta"])
        for (w, wo) in zip(withMeta, withoutMeta) {
            table.append([.integer(w.layer), .text(AnalysisStyle.layerKind(config, layer: w.layer)),
                          .number(w.attention), .number(w.ssm), .number(wo.attention), .number(wo.ssm)])
        }
        return table
    }

    static func headTable(withMeta: [LayerEntropy], withoutMeta: [LayerEntropy]) -> CSVTable {
        var table = CSVTable(header: ["layer", "branch", "head", "with_meta", "without_meta"])
        for (w, wo) in zip(withMeta, withoutMeta) {
            for h in w.attentionHeads.indices {
                table.append([.integer(w.layer), .text("attention"), .integer(h), .number(w.attentionHeads[h]), .number(wo.attentionHeads[h])])
            }
            for h in w.ssmHeads.indices {
                table.append([.integer(w.layer), .text("ssm"), .integer(h), .number(w.ssmHeads[h]), .number(wo.ssmHeads[h])])
            }
        }
        return table
    }
}
