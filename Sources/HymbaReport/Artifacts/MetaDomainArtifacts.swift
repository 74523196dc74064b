import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaPlot

/// Files of the `meta-domains` analysis (paper Fig. 5).
enum MetaDomainArtifacts {
    struct Input {
        let collectors: [MetaProfileCollector]
        let domains: [DomainDescription]
        /// One result per analysed layer, in layer order.
        let results: [MetaDomainAnalysis.Result]
        let primaryLayer: Int
        let permutations: Int
        let seed: UInt64
        let modelPath: String
        let config: HymbaConfig
    }

    static func write(_ input: Input, writer: ArtifactWriter) throws -> JSONTree {
        guard let primary = input.results.first(where: { $0.layer == input.primaryLayer }) else {
            throw ReportError("internal: no result for layer \(input.primaryLayer)")
        }
        let json = self.json(input)
        try writer.json(json, name: "meta-domains.json")
        try writer.csv(profileTable(input), name: "meta-domains.csv")
        try writer.csv(passageTable(input), name: "meta-domains-passages.csv")
        try writer.csv(divergenceTable(input), name: "meta-domains-jsd.csv")
        try writer.csv(testTable(input), name: "meta-domains-test.csv")

        let names = input.collectors.map(\.name)
        let m = input.config.memoryTokens
        let layer = input.primaryLayer
        let tokens = (0..<m).map(String.init)

        // Box plot: per meta token, the passages' mass by domain, 16 tokens per row on one y scale.
        let samples = (0..<m).map { k in input.collectors.map { ($0.profiles(layer: layer) ?? []).map { $0[k] } } }
        let top = samples.flatMap { $0.flatMap { $0 } }.filter(\.isFinite).max() ?? 1
        let perRow = 16
        let boxes = try stride(from: 0, to: m, by: perRow).map { start -> Panel in
            let range = start..<min(m, start + perRow)
            var box = try BoxPlot(categories: Array(tokens[range]), groups: names, samples: Array(samples[range]),
                                  title: m > perRow ? "meta tokens \(range.lowerBound)–\(range.upperBound - 1)" : nil,
                                  xLabel: "meta token", yLabel: "mass received (mean over heads)")
            box.yLimits = 0...(top * 1.05)
            box.legend = start == 0 ? .automatic : .hidden
            return box.panel
        }
        let specific = primary.domains.map { d in "\(d.name): " + d.topTokens.prefix(3).map { "#\($0.token)" }.joined(separator: ", ") }
        try writer.figure(Figure(columns: 1, title: "Layer \(layer): attention each meta token receives, per passage", panels: boxes),
                          name: "meta-domains-box",
                          title: "Meta-token attention by domain (layer \(layer))",
                          caption: "Each box is one meta token's attention received (meta_attn_received averaged over heads, mean over a passage's real-token rows) across the passages of a domain, at layer \(layer): box = quartiles, line = median, whiskers = the furthest passages within 1.5 × IQR of the box, dots = passages beyond. The values are raw mass, so a domain whose text attends more to the meta tokens overall sits higher at every token; the specificity ranking and the JSD compare shares (each domain's profile scaled to sum 1). Most domain-specific meta tokens: \(specific.joined(separator: "; ")).")

        // Domain × meta-token heatmap of the mean profile.
        var profiles = try Heatmap(values: primary.domains.flatMap(\.meanProfile), rows: names.count, cols: m,
                                   rowLabels: names, colLabels: tokens, colormap: .viridis, norm: .linear(min: 0),
                                   title: "Layer \(layer): mean attention received per meta token",
                                   xLabel: "meta token", yLabel: "domain", colorBarLabel: "mass received")
        profiles.squareCells = true
        let strongest = primary.domains.map { d -> String in
            let k = d.meanProfile.indices.max { d.meanProfile[$0] < d.meanProfile[$1] } ?? 0
            return "\(d.name) #\(k) (\(AnalysisStyle.decimal(d.meanProfile[k])))"
        }
        try writer.figure(Figure(panels: [profiles.panel]), name: "meta-domains-profiles",
                          title: "Mean meta-token profile per domain (layer \(layer))",
                          caption: "Mean over passages of the attention each meta token receives, per domain, at layer \(layer). The most attended meta token per domain: \(strongest.joined(separator: ", ")).")

        // Pairwise JSD.
        var jsdValues = [Double](repeating: 0, count: names.count * names.count)
        for pair in primary.divergences {
            guard let a = names.firstIndex(of: pair.first), let b = names.firstIndex(of: pair.second) else { continue }
            jsdValues[a * names.count + b] = pair.divergence
            jsdValues[b * names.count + a] = pair.divergence
        }
        var jsd = try Heatmap(values: jsdValues, rows: names.count, cols: names.count, rowLabels: names, colLabels: names,
                              colormap: .magma, norm: .linear(min: 0), title: "JSD, layer \(layer)",
                              xLabel: "domain", yLabel: "domain", colorBarLabel: "JSD (nats, max ln 2)")
        jsd.cellValueDecimals = 4
        let largest = primary.divergences.max { $0.divergence < $1.divergence }
        try writer.figure(Figure(width: 120 + 60 * Double(names.count), height: 90 + 60 * Double(names.count), panels: [jsd.panel]), name: "meta-domains-jsd",
                          title: "How different the domains' meta-token profiles are (layer \(layer))",
                          caption: "Jensen–Shannon divergence between the domains' mean meta-token profiles (each scaled to sum 1), in nats (0 = same, ln 2 ≈ 0.693 = disjoint). "
                            + (largest.map { "Largest: \($0.first)–\($0.second) \(AnalysisStyle.decimal($0.divergence, 4)). " } ?? "")
                            + "Permutation test of \"the profiles differ\" (statistic Σ pairwise JSD, \(primary.test.permutations) permutations of passages between domains, seed \(primary.test.seed)): p = \(AnalysisStyle.pValue(primary.test.pValue, permutations: primary.test.permutations)).")

        // Every layer: a layer × meta-token map per domain, on one colour scale.
        if input.results.count > 1 {
            let layers = input.results.map(\.layer)
            let all = input.results.flatMap { $0.domains.flatMap(\.meanProfile) }
            let top = all.filter(\.isFinite).max() ?? 1
            let maps = try names.indices.map { d -> Panel in
                let map = try Heatmap(values: input.results.flatMap { $0.domains[d].meanProfile }, rows: layers.count, cols: m,
                                      rowLabels: layers.map { AnalysisStyle.layerLabels(input.config)[$0] }, colLabels: tokens,
                                      colormap: .viridis, norm: .linear(min: 0, max: top), title: names[d],
                                      xLabel: "meta token", yLabel: AnalysisStyle.layerAxis, colorBarLabel: "mass received")
                return map.panel
            }
            let pValues = input.results.map { "L\($0.layer) \(AnalysisStyle.decimal($0.test.pValue, 3))" }
            try writer.figure(Figure(columns: 1, title: "Meta-token attention per layer and domain", panels: maps),
                              name: "meta-domains-layers", title: "Meta-token attention per layer, by domain",
                              caption: "Mean attention each meta token receives (mean over heads and passages), per layer, one panel per domain on one colour scale. Permutation p-values per layer: \(pValues.joined(separator: ", ")).")
        }
        return json
    }

    static func json(_ input: Input) -> JSONTree {
        .object([
            ("model", .string(input.modelPath)),
            ("meta_tokens", .integer(input.config.memoryTokens)),
            ("primary_layer", .integer(input.primaryLayer)),
            ("permutations", .integer(input.permutations)),
            ("seed", .integer(Int(truncatingIfNeeded: input.seed))),
            ("statistic", .string("sum over domain pairs of the Jensen-Shannon divergence (nats) of the mean profiles, each scaled to sum 1; p = (1 + #permutations with statistic >= observed) / (1 + permutations)")),
            ("domains", .array(zip(input.collectors, input.domains).map { collector, domain in
                .object([("name", .string(collector.name)), ("file", .string(domain.path)),
                         ("passages", .integer(collector.passages)), ("tokens", .integer(collector.tokens))])
            })),
            ("layers", .array(input.results.map { result in
                .object([
                    ("layer", .integer(result.layer)),
                    ("statistic", .number(result.test.statistic)),
                    ("p_value", .number(result.test.pValue)),
                    ("jsd", .array(result.divergences.map {
                        .object([("first", .string($0.first)), ("second", .string($0.second)), ("jsd", .number($0.divergence))])
                    })),
                    ("mean_profiles", .object(result.domains.map { ($0.name, .numbers($0.meanProfile)) })),
                    ("shares", .object(result.domains.map { ($0.name, .numbers($0.share)) })),
                    ("top_tokens", .object(result.domains.map { domain in
                        (domain.name, .array(domain.topTokens.map {
                            .object([("token", .integer($0.token)), ("mean_mass", .number($0.meanMass)),
                                     ("share", .number($0.share)), ("specificity", .number($0.specificity))])
                        }))
                    })),
                ])
            })),
        ])
    }

    /// layer, domain, meta_token, mean_mass, share, specificity.
    static func profileTable(_ input: Input) -> CSVTable {
        var table = CSVTable(header: ["layer", "domain", "meta_token", "mean_mass", "share", "specificity"])
        for result in input.results {
            for (d, domain) in result.domains.enumerated() {
                let others = result.domains.indices.filter { $0 != d }
                for k in domain.meanProfile.indices {
                    let rest = others.reduce(0.0) { $0 + result.domains[$1].share[k] } / Double(max(1, others.count))
                    table.append([.integer(result.layer), .text(domain.name), .integer(k), .number(domain.meanProfile[k]),
                                  .number(domain.share[k]), .number(domain.share[k] - rest)])
                }
            }
        }
        return table
    }

    /// domain, passage, layer, m0 … m(M−1): every passage's profile, to redo any statistic.
    static func passageTable(_ input: Input) -> CSVTable {
        let m = input.config.memoryTokens
        var table = CSVTable(header: ["domain", "passage", "layer"] + (0..<m).map { "m\($0)" })
        for collector in input.collectors {
            for (i, layer) in collector.layers.enumerated() {
                for (p, profile) in collector.profiles[i].enumerated() {
                    table.append([.text(collector.name), .integer(p), .integer(layer)] + profile.map { .number($0) })
                }
            }
        }
        return table
    }

    /// layer, first, second, jsd: every pair of domains.
    static func divergenceTable(_ input: Input) -> CSVTable {
        var table = CSVTable(header: ["layer", "first", "second", "jsd"])
        for result in input.results {
            for pair in result.divergences {
                table.append([.integer(result.layer), .text(pair.first), .text(pair.second), .number(pair.divergence)])
            }
        }
        return table
    }

    /// layer, statistic, p_value, permutations, seed: the permutation test per layer.
    static func testTable(_ input: Input) -> CSVTable {
        var table = CSVTable(header: ["layer", "statistic", "p_value", "permutations", "seed"])
        for result in input.results {
            table.append([.integer(result.layer), .number(result.test.statistic), .number(result.test.pValue),
                          .integer(result.test.permutations), .integer(Int(truncatingIfNeeded: result.test.seed))])
        }
        return table
    }
}
