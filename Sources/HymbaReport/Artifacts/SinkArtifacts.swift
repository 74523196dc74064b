import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaPlot

/// Files of the `sinks` analysis: stacked bars per layer, a layer × head heatmap, the JSON
/// contract and two CSV tables.
enum SinkArtifacts {
    /// - Parameters:
    ///   - name: file stem (`sinks`, or `sinks-no-meta` in a report).
    ///   - metaCount: M of the model that ran (0 with --no-meta).
    static func write(_ summary: SinkSummary, config: HymbaConfig, metaCount: Int, modelPath: String,
                      name: String, writer: ArtifactWriter) throws -> JSONTree {
        let json = self.json(summary, config: config, metaCount: metaCount, modelPath: modelPath)
        try writer.json(json, name: name + ".json")
        try writer.csv(layerTable(summary, config: config), name: name + ".csv")
        try writer.csv(headTable(summary), name: name + "-heads.csv")

        let model = AnalysisStyle.modelName(modelPath)
        let runNote = metaCount > 0 ? "with its \(metaCount) meta tokens" : "without meta tokens (M = 0)"
        let figure = Figure(columns: 2, title: "Where real tokens' attention goes — \(model) \(runNote), \(summary.passages) passages",
                            panels: try bars(summary, config: config).map(\.panel))
        let strongest = summary.layers.max { $0.attention.meta < $1.attention.meta }
        let bosTop = summary.layers.max { $0.attention.bos < $1.attention.bos }
        var caption = "\(model), \(summary.passages) passages, \(summary.tokens) tokens. Per layer, the mean over heads and passages of the share of each real token's attention (left) and of its SSM heads' |implicit attention| (right) on \(metaCount > 0 ? "meta tokens, " : "")the BOS, itself and other tokens (attn_mass, ssm_mass). "
        if metaCount > 0, let strongest {
            caption += "Attention heads put \(AnalysisStyle.percent(strongest.attention.meta)) of their mass on meta tokens in layer \(strongest.layer) (the most), "
                + "and \(AnalysisStyle.percent(finiteMean(summary.layers.map(\.attention.meta)))) on average over layers."
        } else if let bosTop {
            caption += "Without meta tokens the BOS takes up to \(AnalysisStyle.percent(bosTop.attention.bos)) of the attention (layer \(bosTop.layer))."
        }
        try writer.figure(figure, name: name, title: "Attention sinks per layer, \(runNote)", caption: caption)

        let heat = try heatmaps(summary, config: config, metaCount: metaCount)
        let which = metaCount > 0 ? "meta-token" : "BOS"
        let values = summary.layers.flatMap { layer in layer.attentionHeads.map { metaCount > 0 ? $0.meta : $0.bos } }
        let top = values.enumerated().max { $0.element < $1.element }
        var headCaption = "Per layer and head, the \(which) share of attention heads (left) and SSM heads (right), mean over passages; both panels share one colour scale, so equal colours are equal shares."
        if let top {
            headCaption += " The strongest \(which) sink is attention head \(top.offset % config.attentionHeads) of layer \(top.offset / config.attentionHeads) with \(AnalysisStyle.percent(top.element))."
        }
        let heatTitle = "\(which.prefix(1).uppercased() + which.dropFirst()) share per head" + (metaCount > 0 ? "" : " (no meta tokens)")
        let size = AnalysisStyle.layerHeadFigureSize(config, panels: 2)
        try writer.figure(Figure(width: size.width, height: size.height, columns: 2, title: heatTitle, panels: heat.map(\.panel)),
                          name: name + "-heads", title: "\(which.prefix(1).uppercased() + which.dropFirst()) share per layer and head, \(runNote)", caption: headCaption)
        return json
    }

    /// Report only: the stacked bars with and without meta tokens side by side, and where the
    /// meta tokens' share goes when they are removed.
    static func writeComparison(withMeta: SinkSummary, withoutMeta: SinkSummary, config: HymbaConfig,
                                writer: ArtifactWriter) throws {
        let with = try bars(withMeta, config: config), without = try bars(withoutMeta, config: config)
        var panels: [Panel] = []
        for (index, (a, b)) in zip(with, without).enumerated() {
            var left = a, right = b
            left.title = (index == 0 ? "attention" : "SSM") + ", with \(config.memoryTokens) meta tokens"
            right.title = (index == 0 ? "attention" : "SSM") + ", without meta tokens"
            left.legend = .hidden
            panels += [left.panel, right.panel]
        }
        let moves = zip(withMeta.layers, withoutMeta.layers).map { w, wo in
            "L\(w.layer): meta \(AnalysisStyle.percent(w.attention.meta)), BOS \(AnalysisStyle.percent(w.attention.bos)) → \(AnalysisStyle.percent(wo.attention.bos)), self \(AnalysisStyle.percent(w.attention.selfMass)) → \(AnalysisStyle.percent(wo.attention.selfMass))"
        }
        try writer.figure(Figure(columns: 2, title: "Where the meta tokens' share goes when they are removed", panels: panels),
                          name: "sinks-with-without-meta", title: "Attention sinks with and without meta tokens",
                          caption: "The same passages run with the model's meta tokens (left) and without them (right, M = 0, masks adapt): the \"forced-to-attend\" argument measured. Attention heads per layer, meta share with meta tokens, then BOS and self shares with → without: \(moves.joined(separator: "; ")).")
    }

    static func json(_ summary: SinkSummary, config: HymbaConfig, metaCount: Int, modelPath: String) -> JSONTree {
        func shares(_ s: MassShares) -> JSONTree {
            .object(zip(MassShares.classNames, s.values).map { ($0, .number($1)) })
        }
        return .object([
            ("model", .string(modelPath)),
            ("meta_tokens", .integer(metaCount)),
            ("passages", .integer(summary.passages)),
            ("tokens", .integer(summary.tokens)),
            ("averaging", .string("attn_mass/ssm_mass per passage (mean over its real-token rows), then mean over passages, then over heads")),
            ("layers", .array(summary.layers.map { layer in
                .object([
                    ("layer", .integer(layer.layer)),
                    ("kind", .string(AnalysisStyle.layerKind(config, layer: layer.layer))),
                    ("attention", shares(layer.attention)),
                    ("ssm", shares(layer.ssm)),
                    ("attention_heads", .array(layer.attentionHeads.map(shares))),
                    ("ssm_heads", .array(layer.ssmHeads.map(shares))),
                ])
            })),
        ])
    }

    static func layerTable(_ summary: SinkSummary, config: HymbaConfig) -> CSVTable {
        let classes = MassShares.classNames
        var table = CSVTable(header: ["layer", "kind"] + classes.map { "attention_" + $0 } + classes.map { "ssm_" + $0 })
        for layer in summary.layers {
            table.append([.integer(layer.layer), .text(AnalysisStyle.layerKind(config, layer: layer.layer))]
                         + (layer.attention.values + layer.ssm.values).map { .number($0) })
        }
        return table
    }

    static func headTable(_ summary: SinkSummary) -> CSVTable {
        var table = CSVTable(header: ["layer", "branch", "head"] + MassShares.classNames)
        for layer in summary.layers {
            for (branch, heads) in [("attention", layer.attentionHeads), ("ssm", layer.ssmHeads)] {
                for (h, shares) in heads.enumerated() {
                    table.append([.integer(layer.layer), .text(branch), .integer(h)] + shares.values.map { .number($0) })
                }
            }
        }
        return table
    }

    /// Stacked bars of the four classes per layer, attention heads and SSM heads.
    static func bars(_ summary: SinkSummary, config: HymbaConfig) throws -> [BarChart] {
        let categories = AnalysisStyle.layerLabels(config)
        return try [("attention heads", summary.layers.map(\.attention), false),
                    ("SSM heads (|implicit attention|)", summary.layers.map(\.ssm), true)].map { title, shares, legend in
            let series = (0..<4).map { k in BarSeries(name: AnalysisStyle.massClassNames[k], values: shares.map { $0.values[k] }) }
            var chart = try BarChart(categories: categories, series: series, arrangement: .stacked, title: title,
                                     xLabel: AnalysisStyle.layerAxis, yLabel: "share of mass (mean over heads)")
            chart.yLimits = 0...1
            chart.legend = legend ? .outsideRight : .hidden
            return chart
        }
    }

    /// Layer × head maps of the meta share (or, without meta tokens, the BOS share).
    static func heatmaps(_ summary: SinkSummary, config: HymbaConfig, metaCount: Int) throws -> [Heatmap] {
        let heads = config.attentionHeads
        let pick: (MassShares) -> Double = metaCount > 0 ? { $0.meta } : { $0.bos }
        let label = metaCount > 0 ? "meta share" : "BOS share"
        let panels = [("attention heads", summary.layers.map(\.attentionHeads)),
                      ("SSM heads", summary.layers.map(\.ssmHeads))]
        // One scale for both panels: it is one quantity, and separate scales made 0.14 on the
        // SSM side look as hot as 0.41 on the attention side.
        let all = panels.flatMap { $0.1.flatMap { $0.map(pick) } }
        let top = max(0.05, all.filter(\.isFinite).max() ?? 0)
        return try panels.map { title, rows in
            let values = rows.flatMap { $0.map(pick) }
            var map = try Heatmap(values: values, rows: summary.layers.count, cols: heads,
                                  rowLabels: AnalysisStyle.layerLabels(config), colLabels: AnalysisStyle.headLabels(heads),
                                  colormap: .viridis, norm: .linear(min: 0, max: top),
                                  title: title, xLabel: "head", yLabel: AnalysisStyle.layerAxis, colorBarLabel: label)
            map.cellValueDecimals = 2
            return map
        }
    }
}
