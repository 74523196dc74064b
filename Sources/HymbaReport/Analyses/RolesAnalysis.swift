import HymbaAnalysis
import HymbaKit

/// Branch and head importance (ΔNLL when one component is zeroed) and head roles (paper Figs. 3
/// and 13): head statistics from the run with meta tokens on every passage, branch ablations on
/// the first `branchPassages` passages of each domain and head ablations on the first
/// `headPassages` — two `DeltaNLLAccumulator`s, since the two studies differ in cost by a factor
/// of H and a large model can afford the second on few passages only.
public struct RolesAnalysis: CorpusAnalysis {
    public struct Settings: Codable, Equatable, Sendable {
        /// Per domain, how many leading passages get the branch ablations (nil: all).
        public var branchPassages: Int?
        /// Per domain, how many leading passages get the single-head ablations (nil: all).
        public var headPassages: Int?
        /// False for `--branches-only`: no head ablation is listed at all.
        public var ablateHeads: Bool
        public var sinkShare: Double
        public var localDistance: Double
        public var longRangeFraction: Double

        public init(branchPassages: Int?, headPassages: Int?, ablateHeads: Bool, rule: HeadRoleRule) {
            self.branchPassages = branchPassages
            self.headPassages = headPassages
            self.ablateHeads = ablateHeads
            sinkShare = rule.sinkShare
            localDistance = rule.localDistance
            longRangeFraction = rule.longRangeFraction
        }

        enum CodingKeys: String, CodingKey {
            case branchPassages = "branch-ablation-passages"
            case headPassages = "head-ablation-passages"
            case ablateHeads = "head-ablations"
            case sinkShare = "sink-share"
            case localDistance = "local-distance"
            case longRangeFraction = "long-range-fraction"
        }

        func rule() throws -> HeadRoleRule {
            do {
                return try HeadRoleRule(sinkShare: sinkShare, localDistance: localDistance, longRangeFraction: longRangeFraction)
            } catch let error as AnalysisError {
                throw ReportError(error.description)
            }
        }
    }

    public static let name = "roles"
    public let settings: Settings
    private let rule: HeadRoleRule
    private var statistics: HeadStatisticsAccumulator
    private var branches: DeltaNLLAccumulator
    private var heads: DeltaNLLAccumulator?
    /// Real tokens of the passages with any ablation.
    private var ablatedTokens = 0

    public init(settings: Settings, run: RunDescription) throws {
        self.settings = settings
        rule = try settings.rule()
        let config = run.config
        statistics = HeadStatisticsAccumulator(layers: config.hiddenLayers, heads: config.attentionHeads)
        let all = AblationStudy.components(config: config)
        branches = DeltaNLLAccumulator(ablations: all.filter(Self.isBranch))
        heads = settings.ablateHeads ? DeltaNLLAccumulator(ablations: all.filter { !Self.isBranch($0) }) : nil
    }

    public static func forReport(_ options: ReportOptions, run: RunDescription) throws -> RolesAnalysis {
        try RolesAnalysis(settings: .init(branchPassages: options.branchAblationPassages, headPassages: options.headAblationPassages,
                                          ablateHeads: true, rule: options.rule), run: run)
    }

    static func isBranch(_ ablation: Ablation) -> Bool {
        ablation.target == .attentionBranch || ablation.target == .ssmBranch
    }

    func ablatesBranches(_ passage: PassageRef) -> Bool { passage.index < (settings.branchPassages ?? Int.max) }
    func ablatesHeads(_ passage: PassageRef) -> Bool { heads != nil && passage.index < (settings.headPassages ?? Int.max) }

    public func needs(_ passage: PassageRef, run: RunDescription) -> PassageNeeds {
        var ablations: [Ablation] = []
        if ablatesBranches(passage) { ablations += branches.ablations }
        if ablatesHeads(passage), let heads { ablations += heads.ablations }
        return PassageNeeds(withMeta: HeadStatisticsAccumulator.requiredPoints, ablations: ablations)
    }

    public mutating func add(_ outcome: PassageOutcome) throws {
        try statistics.add(outcome.recording(withMetaTokens: true))
        let passage = outcome.passage
        if ablatesBranches(passage) { try branches.add(outcome.losses(branches.ablations)) }
        if ablatesHeads(passage) { try heads!.add(outcome.losses(heads!.ablations)) }
        if ablatesBranches(passage) || ablatesHeads(passage) { ablatedTokens += passage.tokenCount }
    }

    public mutating func merge(_ other: RolesAnalysis) throws {
        guard other.settings == settings else { throw PartialStateError.incompatible("roles of different runs") }
        try statistics.merge(other.statistics)
        try branches.merge(other.branches)
        if let o = other.heads { try heads?.merge(o) }
        ablatedTokens += other.ablatedTokens
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag(Self.name, version: 1)
        encoder.integer(ablatedTokens)
        statistics.encode(to: &encoder)
        branches.encode(to: &encoder)
        heads?.encode(to: &encoder)
    }

    public init(decoding decoder: inout PartialStateDecoder, settings: Settings, run: RunDescription) throws {
        try self.init(settings: settings, run: run)
        try decoder.expectTag(Self.name, version: 1)
        ablatedTokens = try decoder.integer()
        let empty = self
        statistics = try HeadStatisticsAccumulator(decoding: &decoder)
        branches = try DeltaNLLAccumulator(decoding: &decoder)
        if settings.ablateHeads { heads = try DeltaNLLAccumulator(decoding: &decoder) }
        guard statistics.layers == empty.statistics.layers, statistics.heads == empty.statistics.heads,
              branches.ablations == empty.branches.ablations, heads?.ablations == empty.heads?.ablations else {
            throw PartialStateError.incompatible("a roles state of another model shape")
        }
    }

    /// Every listed ablation's ΔNLL, in `AblationStudy.components` order (branches, then heads, per layer).
    var ablations: RoleArtifacts.Ablations {
        var byAblation: [Ablation: DeltaNLL] = [:]
        for result in branches.results + (heads?.results ?? []) { byAblation[result.ablation] = result }
        let order = branches.ablations + (heads?.ablations ?? [])
        let results = order.sorted { a, b in
            a.layer != b.layer ? a.layer < b.layer : Self.rank(a.target) < Self.rank(b.target)
        }.map { byAblation[$0]! }
        let primary = (heads?.passages ?? 0) > branches.passages ? heads! : branches
        return RoleArtifacts.Ablations(results: results, branchPassages: branches.passages, headPassages: heads?.passages,
                                       passages: primary.passages, predictedTokens: primary.tokens, cleanNLL: primary.cleanNLL,
                                       branchCleanNLL: branches.cleanNLL)
    }

    /// The order of `AblationStudy.components` within a layer.
    private static func rank(_ target: Ablation.Target) -> Int {
        switch target {
        case .attentionBranch: return 0
        case .ssmBranch: return 1
        case .attentionHead(let h): return 2 + h
        case .ssmHead(let h): return 1_000_000 + h
        }
    }

    public func write(to writer: ArtifactWriter, layout: ArtifactLayout, run: RunDescription) throws -> AnalysisOutput {
        let deltas = ablations
        let headStatistics = statistics.statistics
        let input = RoleArtifacts.Input(deltas: deltas, heads: headStatistics, rule: rule, modelPath: run.modelPath, config: run.config,
                                        tokens: ablatedTokens, tokenCounts: run.tokenCounts)
        let table = try RoleArtifacts.write(input, writer: writer)
        guard layout == .report else { return AnalysisOutput(table: table) }
        let baseline = RoleArtifacts.baseline(input)
        let measured = deltas.headPassages.map { $0 == deltas.branchPassages ? "\(deltas.passages) passages" : "\(deltas.branchPassages) passages (branches) and \($0) (heads)" }
            ?? "\(deltas.branchPassages) passages"
        let section = ReportSection(id: "roles", title: "Branch and head importance, head roles (paper Figs. 3, 13)", command: "roles",
                                    intro: "What the model loses (ΔNLL) when one branch or head is zeroed, over \(measured), and what each head does (role statistics over all \(run.totalPassages) passages).",
                                    writer: writer,
                                    extraHTML: Self.roleTable(headStatistics, rule: rule, baseline: baseline, config: run.config))
        let ranked = Self.ranked(deltas.results)
        let summary = JSONTree.object([
            ("passages", .integer(deltas.passages)),
            ("clean_nll", .number(deltas.cleanNLL)),
            ("largest_delta_nll", .array(ranked.prefix(5).map {
                .object([("component", .string($0.ablation.description)), ("delta_nll", .number($0.delta)),
                         ("standard_error", .number($0.standardError))])
            })),
            ("role_counts", .object(HeadKind.allCases.map { kind in
                (kind.rawValue, .object(HeadRole.allCases.map { role in
                    (role.rawValue, .integer(headStatistics.filter { $0.kind == kind && rule.role(of: $0, baseline: baseline) == role }.count))
                }))
            })),
        ])
        var headline = "<p>Largest loss increases when one component is zeroed (clean loss \(AnalysisStyle.decimal(deltas.cleanNLL)) nats/token, \(measured)):</p>\n<table><tr><th class=\"text\">component</th><th>ΔNLL (nats/token)</th><th>± s.e.</th></tr>\n"
        for delta in ranked.prefix(5) {
            headline += "<tr><td class=\"text\">\(HTMLText.escape(delta.ablation.description))</td><td>\(AnalysisStyle.decimal(delta.delta, 4))</td><td>\(AnalysisStyle.decimal(delta.standardError, 4))</td></tr>\n"
        }
        headline += "</table>\n"
        return AnalysisOutput(section: section, summary: ("roles", summary), headlineHTML: headline, table: table)
    }

    /// Every ablation, largest loss increase first.
    static func ranked(_ results: [DeltaNLL]) -> [DeltaNLL] {
        results.sorted { ($0.delta.isFinite ? $0.delta : -.infinity) > ($1.delta.isFinite ? $1.delta : -.infinity) }
    }

    /// Layer × head role labels for both branches.
    static func roleTable(_ heads: [HeadStatistics], rule: HeadRoleRule, baseline: ReachBaseline, config: HymbaConfig) -> String {
        let count = config.attentionHeads
        var out = "<p>Head roles (\(HTMLText.escape(RoleArtifacts.ruleText(rule))); reach in tokens in brackets — mean distance for attention heads, 90 % memory length for SSM heads):</p>\n<table><tr><th>layer</th>"
        for kind in ["attention", "SSM"] { for h in 0..<count { out += "<th class=\"text\">\(kind) h\(h)</th>" } }
        out += "</tr>\n"
        for layer in 0..<config.hiddenLayers {
            out += "<tr><td>\(layer)</td>"
            for kind in HeadKind.allCases {
                for h in 0..<count {
                    let head = heads.first { $0.layer == layer && $0.kind == kind && $0.head == h }
                    let text = head.map { "\(rule.role(of: $0, baseline: baseline).rawValue) (\(AnalysisStyle.decimal($0.reach, 1)))" } ?? "n/a"
                    out += "<td class=\"text\">\(HTMLText.escape(text))</td>"
                }
            }
            out += "</tr>\n"
        }
        return out + "</table>\n"
    }
}
