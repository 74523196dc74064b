import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaPlot

/// Files of the `roles` analysis (paper Figs. 3 and 13): ΔNLL of every ablation and the
/// head-role table.
enum RoleArtifacts {
    /// The ΔNLL of every listed ablation and what they were measured on. Branch and head
    /// ablations may run on different passages (the report's two limits), so each group keeps
    /// its own count; `passages`, `predictedTokens` and `cleanNLL` are those of the group with
    /// more passages (the branches when equal).
    struct Ablations {
        let results: [DeltaNLL]
        let branchPassages: Int
        /// nil when heads are not ablated at all (`roles --branches-only`).
        let headPassages: Int?
        let passages: Int
        let predictedTokens: Int
        let cleanNLL: Double
        /// Clean loss over the branch-ablated passages, which the branch figure compares with.
        let branchCleanNLL: Double
    }

    struct Input {
        let deltas: Ablations
        let heads: [HeadStatistics]
        let rule: HeadRoleRule
        let modelPath: String
        let config: HymbaConfig
        let tokens: Int
        /// Token counts of the passages behind `heads`, for the uniform-reach yardstick.
        let tokenCounts: [Int]
    }

    /// What each head's reach is compared with for "long-range".
    static func baseline(_ input: Input) -> ReachBaseline {
        ReachBaseline(config: input.config, tokenCounts: input.tokenCounts)
    }

    static func role(_ head: HeadStatistics, _ input: Input, _ baseline: ReachBaseline) -> HeadRole {
        input.rule.role(of: head, baseline: baseline)
    }

    /// "global layers 31.3 tokens, sliding layers 23.4 tokens": the uniform mean distance per layer kind.
    static func uniformText(_ input: Input, _ baseline: ReachBaseline) -> String {
        var parts: [String] = []
        let layers = 0..<input.config.hiddenLayers
        if let g = layers.first(where: { input.config.isGlobal(layer: $0) }) {
            parts.append("\(AnalysisStyle.decimal(baseline.attentionMeanDistance[g], 1)) tokens in global layers")
        }
        if let s = layers.first(where: { !input.config.isGlobal(layer: $0) }) {
            parts.append("\(AnalysisStyle.decimal(baseline.attentionMeanDistance[s], 1)) in sliding layers")
        }
        return parts.joined(separator: ", ")
    }

    static func component(_ ablation: Ablation) -> (name: String, head: Int?) {
        switch ablation.target {
        case .attentionBranch: return ("attention_branch", nil)
        case .ssmBranch: return ("ssm_branch", nil)
        case .attentionHead(let h): return ("attention_head", h)
        case .ssmHead(let h): return ("ssm_head", h)
        }
    }

    /// ΔNLL per (layer, kind, head) of the single-head ablations.
    static func headDeltas(_ results: [DeltaNLL]) -> [String: Double] {
        var out: [String: Double] = [:]
        for result in results {
            switch result.ablation.target {
            case .attentionHead(let h): out["\(result.ablation.layer).attention.\(h)"] = result.delta
            case .ssmHead(let h): out["\(result.ablation.layer).ssm.\(h)"] = result.delta
            default: break
            }
        }
        return out
    }

    static func write(_ input: Input, writer: ArtifactWriter) throws -> JSONTree {
        let results = input.deltas.results
        let json = self.json(input, results: results)
        try writer.json(json, name: "roles.json")
        try writer.csv(ablationTable(results), name: "roles-ablations.csv")
        try writer.csv(headTable(input, results: results), name: "roles-heads.csv")

        // Grouped bars per layer and head maps, each only when its ablations ran on some passage.
        try writeImportance(input, results: results, writer: writer)
        try writeReach(input, writer: writer)
        return json
    }

    private static func writeImportance(_ input: Input, results: [DeltaNLL], writer: ArtifactWriter) throws {
        let config = input.config
        let layers = config.hiddenLayers, heads = config.attentionHeads
        let layerLabels = AnalysisStyle.layerLabels(config)
        let model = AnalysisStyle.modelName(input.modelPath)
        let clean = AnalysisStyle.decimal(input.deltas.branchCleanNLL)
        let ranked = results.sorted { ($0.delta.isFinite ? $0.delta : -.infinity) > ($1.delta.isFinite ? $1.delta : -.infinity) }
        func delta(_ layer: Int, _ target: Ablation.Target) -> Double {
            results.first { $0.ablation == Ablation(layer: layer, target) }?.delta ?? .nan
        }
        func standardError(_ layer: Int, _ target: Ablation.Target) -> Double {
            results.first { $0.ablation == Ablation(layer: layer, target) }?.standardError ?? .nan
        }
        if input.deltas.branchPassages > 0 {
            let attentionBranch = (0..<layers).map { delta($0, .attentionBranch) }
            let ssmBranch = (0..<layers).map { delta($0, .ssmBranch) }
            let bars = try BarChart(categories: layerLabels, series: [
                BarSeries(name: "attention branch", values: attentionBranch,
                          errors: (0..<layers).map { standardError($0, .attentionBranch) }),
                BarSeries(name: "SSM branch", values: ssmBranch, errors: (0..<layers).map { standardError($0, .ssmBranch) }),
            ], title: "Loss increase when a branch is removed (β = 0), ± 1 s.e.", xLabel: AnalysisStyle.layerAxis, yLabel: "ΔNLL (nats/token)")
            let topThree = ranked.filter { component($0.ablation).head == nil }.prefix(3).map { "\($0.ablation) +\(AnalysisStyle.decimal($0.delta))" }
            try writer.figure(Figure(title: "Branch ablations — \(model), \(input.deltas.branchPassages) passages", panels: [bars.panel]),
                              name: "roles-branches", title: "ΔNLL of removing each layer's attention or SSM branch",
                              caption: "Mean next-token loss over all real tokens with one branch of one layer zeroed after its norm (β = 0), minus the clean loss (\(clean) nats/token); layers before the ablated one are reused from the clean run. Error bars: ± 1 standard error over passages. Largest: \(topThree.joined(separator: "; ")).")
        }

        // Heads: layer × head maps.
        if let headPassages = input.deltas.headPassages, headPassages > 0 {
            let byHead = headDeltas(results)
            let attention = (0..<layers).flatMap { l in (0..<heads).map { byHead["\(l).attention.\($0)"] ?? .nan } }
            let ssm = (0..<layers).flatMap { l in (0..<heads).map { byHead["\(l).ssm.\($0)"] ?? .nan } }
            let (norm, colormap) = AnalysisStyle.signedNorm(attention + ssm)
            let shared: Norm
            switch norm {
            case .symmetric: shared = .symmetric(limit: (attention + ssm).filter(\.isFinite).map(abs).max())
            default: shared = .linear(min: 0, max: max(1e-6, (attention + ssm).filter(\.isFinite).max() ?? 0))
            }
            let panels = try [("attention heads", attention), ("SSM heads", ssm)].map { title, values -> Panel in
                var map = try Heatmap(values: values, rows: layers, cols: heads, rowLabels: layerLabels,
                                      colLabels: AnalysisStyle.headLabels(heads), colormap: colormap, norm: shared,
                                      title: title, xLabel: "head", yLabel: AnalysisStyle.layerAxis, colorBarLabel: "ΔNLL (nats/token)")
                map.cellValueDecimals = 3
                return map.panel
            }
            let headResults = ranked.filter { component($0.ablation).head != nil }
            let size = AnalysisStyle.layerHeadFigureSize(config, panels: 2)
            try writer.figure(Figure(width: size.width, height: size.height, columns: 2, title: "Single-head ablations", panels: panels),
                              name: "roles-heads", title: "ΔNLL of zeroing one attention or SSM head",
                              caption: "Loss increase when one head's channel slice of the attention or SSM output is zeroed before its pre-average norm (as the reference's head mask does), per layer and head, on one colour scale. Largest: "
                                + headResults.prefix(3).map { "\($0.ablation) +\(AnalysisStyle.decimal($0.delta))" }.joined(separator: "; ") + ".")
        }

    }

    private static func writeReach(_ input: Input, writer: ArtifactWriter) throws {
        let config = input.config
        let layers = config.hiddenLayers, heads = config.attentionHeads
        let layerLabels = AnalysisStyle.layerLabels(config)
        let attentionHeads = input.heads.filter { $0.kind == .attention }
        let ssmHeads = input.heads.filter { $0.kind == .ssm }
        let reachPanels = try [("attention: mean distance", attentionHeads, "tokens back"),
                               ("SSM: memory length (90 %)", ssmHeads, "tokens back")].map { title, rows, label -> Panel in
            var map = try Heatmap(values: rows.map(\.reach), rows: layers, cols: heads, rowLabels: layerLabels,
                                  colLabels: AnalysisStyle.headLabels(heads), colormap: .cividis, norm: .linear(min: 0),
                                  title: title, xLabel: "head", yLabel: AnalysisStyle.layerAxis, colorBarLabel: label)
            map.cellValueDecimals = 1
            return map.panel
        }
        let baseline = self.baseline(input)
        let counts = HeadKind.allCases.map { kind -> String in
            let heads = input.heads.filter { $0.kind == kind }
            let roles = HeadRole.allCases.map { r in (r, heads.filter { role($0, input, baseline) == r }.count) }
                .filter { $0.1 > 0 }.map { "\($0.1) \($0.0.rawValue)" }
            return (kind == .attention ? "attention heads " : "SSM heads ") + roles.joined(separator: ", ")
        }
        let reachSize = AnalysisStyle.layerHeadFigureSize(config, panels: 2)
        try writer.figure(Figure(width: reachSize.width, height: reachSize.height, columns: 2, title: "How far back heads read", panels: reachPanels),
                          name: "roles-reach", title: "Attention distance and SSM memory length per head",
                          caption: "Left: mean distance (tokens) of each attention head's mass on non-BOS real tokens; right: each SSM head's effective memory length, the smallest distance holding 90 % of its |implicit attention| on non-BOS real tokens; means over rows and passages. For scale, uniform attention over the same rows would read back \(uniformText(input, baseline)) on average, and a uniform memory would have a 90 % span of \(AnalysisStyle.decimal(baseline.ssmSpan90, 1)) tokens. Roles (\(ruleText(input.rule))): \(counts.joined(separator: "; ")).")
    }

    static func ruleText(_ rule: HeadRoleRule) -> String {
        "meta-sink if meta share ≥ \(AnalysisStyle.decimal(rule.sinkShare, 2)), BOS-sink if BOS share ≥ \(AnalysisStyle.decimal(rule.sinkShare, 2)), local if reach ≤ \(JSONTree.format(rule.localDistance)) tokens, long-range if reach ≥ \(JSONTree.format(rule.longRangeFraction)) × the uniform reach, else mixed"
    }

    static func json(_ input: Input, results: [DeltaNLL]) -> JSONTree {
        let byHead = headDeltas(results)
        let baseline = self.baseline(input)
        return .object([
            ("model", .string(input.modelPath)),
            ("passages", .integer(input.deltas.passages)),
            ("branch_ablation_passages", .integer(input.deltas.branchPassages)),
            ("head_ablation_passages", input.deltas.headPassages.map { .integer($0) } ?? .null),
            ("tokens", .integer(input.tokens)),
            ("predicted_tokens", .integer(input.deltas.predictedTokens)),
            ("clean_nll", .number(input.deltas.cleanNLL)),
            ("thresholds", .object([
                ("sink_share", .number(input.rule.sinkShare)),
                ("local_distance", .number(input.rule.localDistance)),
                ("long_range_fraction", .number(input.rule.longRangeFraction)),
            ])),
            ("rule", .string(ruleText(input.rule) + "; reach = mean distance for attention heads, 90 % memory length for SSM heads; uniform reach = the same statistic for mass spread evenly over the same rows (attention: with the layer's window); first match wins")),
            ("uniform_reach", .object([
                ("attention_mean_distance", .numbers(baseline.attentionMeanDistance)),
                ("ssm_span90", .number(baseline.ssmSpan90)),
            ])),
            ("ablations", .array(results.map { result in
                let (name, head) = component(result.ablation)
                return .object([
                    ("layer", .integer(result.ablation.layer)), ("component", .string(name)),
                    ("head", head.map { .integer($0) } ?? .null),
                    ("delta_nll", .number(result.delta)), ("standard_error", .number(result.standardError)),
                    ("ablated_nll", .number(result.ablatedNLL)),
                ])
            })),
            ("heads", .array(input.heads.map { head in
                .object([
                    ("layer", .integer(head.layer)), ("branch", .string(head.kind.rawValue)), ("head", .integer(head.head)),
                    ("meta", .number(head.mass.meta)), ("bos", .number(head.mass.bos)),
                    ("self", .number(head.mass.selfMass)), ("cross", .number(head.mass.cross)),
                    ("mean_distance", .number(head.meanDistance)), ("span90", .number(head.span90)),
                    ("delta_nll", .number(byHead["\(head.layer).\(head.kind.rawValue).\(head.head)"])),
                    ("uniform_reach", .number(baseline.uniformReach(of: head))),
                    ("role", .string(role(head, input, baseline).rawValue)),
                ])
            })),
        ])
    }

    static func ablationTable(_ results: [DeltaNLL]) -> CSVTable {
        var table = CSVTable(header: ["layer", "component", "head", "delta_nll", "standard_error", "ablated_nll"])
        for result in results {
            let (name, head) = component(result.ablation)
            table.append([.integer(result.ablation.layer), .text(name), head.map { .integer($0) } ?? .number(.nan),
                          .number(result.delta), .number(result.standardError), .number(result.ablatedNLL)])
        }
        return table
    }

    static func headTable(_ input: Input, results: [DeltaNLL]) -> CSVTable {
        let byHead = headDeltas(results)
        let baseline = self.baseline(input)
        var table = CSVTable(header: ["layer", "branch", "head", "meta", "bos", "self", "cross", "mean_distance", "span90",
                                      "uniform_reach", "delta_nll", "role"])
        for head in input.heads {
            table.append([.integer(head.layer), .text(head.kind.rawValue), .integer(head.head)]
                         + head.mass.values.map { .number($0) }
                         + [.number(head.meanDistance), .number(head.span90), .number(baseline.uniformReach(of: head)),
                            .number(byHead["\(head.layer).\(head.kind.rawValue).\(head.head)"] ?? .nan),
                            .text(role(head, input, baseline).rawValue)])
        }
        return table
    }
}
