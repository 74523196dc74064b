import HymbaAnalysis
import HymbaKit

/// Attention sinks (paper Fig. 7) on the run with meta tokens, without them, or both — a
/// `SinkAccumulator` per run. With both (the report) it also draws the two side by side.
public struct SinksAnalysis: CorpusAnalysis {
    public struct Settings: Codable, Equatable, Sendable {
        /// Measure the model as it is, with its meta tokens.
        public var withMeta: Bool
        /// Measure the same weights without meta tokens (M = 0).
        public var withoutMeta: Bool

        public init(withMeta: Bool, withoutMeta: Bool) {
            self.withMeta = withMeta
            self.withoutMeta = withoutMeta
        }

        enum CodingKeys: String, CodingKey {
            case withMeta = "with-meta"
            case withoutMeta = "no-meta"
        }
    }

    public static let name = "sinks"
    public let settings: Settings
    private var withMeta: SinkAccumulator?
    private var withoutMeta: SinkAccumulator?

    public init(settings: Settings, run: RunDescription) throws {
        guard settings.withMeta || settings.withoutMeta else { throw ReportError("sinks needs the run with or without meta tokens") }
        self.settings = settings
        let empty = SinkAccumulator(layers: run.config.hiddenLayers, heads: run.config.attentionHeads)
        withMeta = settings.withMeta ? empty : nil
        withoutMeta = settings.withoutMeta ? empty : nil
    }

    public static func forReport(_ options: ReportOptions, run: RunDescription) throws -> SinksAnalysis {
        try SinksAnalysis(settings: .init(withMeta: true, withoutMeta: true), run: run)
    }

    public func needs(_ passage: PassageRef, run: RunDescription) -> PassageNeeds {
        PassageNeeds(withMeta: settings.withMeta ? SinkAccumulator.requiredPoints : [],
                     withoutMeta: settings.withoutMeta ? SinkAccumulator.requiredPoints : [])
    }

    public mutating func add(_ outcome: PassageOutcome) throws {
        if withMeta != nil { try withMeta!.add(outcome.recording(withMetaTokens: true)) }
        if withoutMeta != nil { try withoutMeta!.add(outcome.recording(withMetaTokens: false)) }
    }

    public mutating func merge(_ other: SinksAnalysis) throws {
        guard other.settings == settings else { throw PartialStateError.incompatible("sinks of different runs") }
        if let o = other.withMeta { try withMeta?.merge(o) }
        if let o = other.withoutMeta { try withoutMeta?.merge(o) }
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag(Self.name, version: 1)
        withMeta?.encode(to: &encoder)
        withoutMeta?.encode(to: &encoder)
    }

    public init(decoding decoder: inout PartialStateDecoder, settings: Settings, run: RunDescription) throws {
        try self.init(settings: settings, run: run)
        try decoder.expectTag(Self.name, version: 1)
        if settings.withMeta { withMeta = try SinkAccumulator(decoding: &decoder) }
        if settings.withoutMeta { withoutMeta = try SinkAccumulator(decoding: &decoder) }
    }

    public func write(to writer: ArtifactWriter, layout: ArtifactLayout, run: RunDescription) throws -> AnalysisOutput {
        let config = run.config
        let sinks = withMeta?.summary, bare = withoutMeta?.summary
        var table: JSONTree?
        if let sinks {
            table = try SinkArtifacts.write(sinks, config: config, metaCount: config.memoryTokens, modelPath: run.modelPath,
                                            name: "sinks", writer: writer)
        }
        if let bare {
            let bareTable = try SinkArtifacts.write(bare, config: config, metaCount: 0, modelPath: run.modelPath,
                                                    name: sinks == nil ? "sinks" : "sinks-no-meta", writer: writer)
            table = table ?? bareTable
        }
        guard layout == .report, let sinks, let bare else { return AnalysisOutput(table: table) }
        try SinkArtifacts.writeComparison(withMeta: sinks, withoutMeta: bare, config: config, writer: writer)
        let section = ReportSection(id: "sinks", title: "Attention sinks and meta tokens (paper Fig. 7)", command: "sinks",
                                    intro: "Where a real token's attention goes: the meta tokens, the BOS, itself, or other tokens — per layer, for attention heads and (as |implicit attention|) for SSM heads, pooled over all \(run.totalPassages) passages.",
                                    writer: writer)
        return AnalysisOutput(section: section, summary: ("sinks", Self.summary(sinks, bare)),
                              headlineHTML: Self.headline(sinks, bare, config: config), table: table)
    }

    static func summary(_ sinks: SinkSummary, _ bare: SinkSummary) -> JSONTree {
        .object([
            ("attention_meta_share", .numbers(sinks.layers.map(\.attention.meta))),
            ("ssm_meta_share", .numbers(sinks.layers.map(\.ssm.meta))),
            ("attention_bos_share", .numbers(sinks.layers.map(\.attention.bos))),
            ("attention_bos_share_without_meta", .numbers(bare.layers.map(\.attention.bos))),
            ("attention_self_share", .numbers(sinks.layers.map(\.attention.selfMass))),
            ("attention_self_share_without_meta", .numbers(bare.layers.map(\.attention.selfMass))),
            ("attention_cross_share", .numbers(sinks.layers.map(\.attention.cross))),
            ("attention_cross_share_without_meta", .numbers(bare.layers.map(\.attention.cross))),
        ])
    }

    /// Meta, BOS and self shares per layer with and without meta tokens.
    static func headline(_ sinks: SinkSummary, _ bare: SinkSummary, config: HymbaConfig) -> String {
        var out = "<p>Share of the attention heads' mass per layer (mean over heads and passages), with the meta tokens and without them, and the SSM heads' meta share:</p>\n"
        out += "<table><tr><th>layer</th><th class=\"text\">kind</th><th>meta</th><th>BOS</th><th>self</th><th>BOS without meta</th><th>self without meta</th><th>SSM meta</th></tr>\n"
        for (w, wo) in zip(sinks.layers, bare.layers) {
            out += "<tr><td>\(w.layer)</td><td class=\"text\">\(AnalysisStyle.layerKind(config, layer: w.layer))</td>"
                + [w.attention.meta, w.attention.bos, w.attention.selfMass, wo.attention.bos, wo.attention.selfMass, w.ssm.meta]
                    .map { "<td>\(AnalysisStyle.percent($0))</td>" }.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }
}
