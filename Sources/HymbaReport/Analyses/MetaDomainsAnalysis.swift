import HymbaAnalysis
import HymbaKit

/// Meta tokens by domain (paper Fig. 5): every passage's meta-token profile at the chosen
/// layers, one `MetaProfileCollector` per domain; the permutation test runs at the end over the
/// merged per-passage profiles, which is why the partial state keeps every profile.
public struct MetaDomainsAnalysis: CorpusAnalysis {
    public struct Settings: Codable, Equatable, Sendable {
        /// Layers analysed, ascending; the last is the one the figures show.
        public var layers: [Int]
        public var permutations: Int
        public var seed: UInt64
        /// Most domain-specific meta tokens listed per domain.
        public var top: Int

        public init(layers: [Int], permutations: Int, seed: UInt64, top: Int) {
            self.layers = layers
            self.permutations = permutations
            self.seed = seed
            self.top = top
        }

        enum CodingKeys: String, CodingKey {
            case layers = "layer", permutations, seed, top
        }
    }

    public static let name = "meta-domains"
    public let settings: Settings
    private var collectors: [MetaProfileCollector]

    public init(settings: Settings, run: RunDescription) throws {
        let config = run.config
        guard config.memoryTokens > 0 else { throw ReportError("\(run.modelPath) has no meta tokens to compare") }
        guard !settings.layers.isEmpty, settings.layers.allSatisfy({ (0..<config.hiddenLayers).contains($0) }) else {
            throw ReportError("meta-domains layers \(settings.layers) are not all in 0…\(config.hiddenLayers - 1)")
        }
        guard run.domains.count >= 2 else { throw ReportError("give at least two --domain name=file to compare") }
        self.settings = settings
        collectors = run.domains.map {
            MetaProfileCollector(name: $0.name, layers: settings.layers, heads: config.attentionHeads, metaCount: config.memoryTokens)
        }
    }

    /// Every layer; the five most specific tokens per domain.
    public static func forReport(_ options: ReportOptions, run: RunDescription) throws -> MetaDomainsAnalysis {
        try MetaDomainsAnalysis(settings: .init(layers: Array(0..<run.config.hiddenLayers), permutations: options.permutations,
                                                seed: options.seed, top: 5), run: run)
    }

    public func needs(_ passage: PassageRef, run: RunDescription) -> PassageNeeds {
        let every = settings.layers.count == run.config.hiddenLayers
        return PassageNeeds(withMeta: MetaProfileCollector.requiredPoints, layers: every ? .all : .some(Set(settings.layers)))
    }

    public mutating func add(_ outcome: PassageOutcome) throws {
        try collectors[outcome.passage.domain].add(outcome.recording(withMetaTokens: true))
    }

    public mutating func merge(_ other: MetaDomainsAnalysis) throws {
        guard other.settings == settings, other.collectors.count == collectors.count else {
            throw PartialStateError.incompatible("meta-domains of different runs")
        }
        for d in collectors.indices { try collectors[d].merge(other.collectors[d]) }
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag(Self.name, version: 1)
        encoder.integer(collectors.count)
        for collector in collectors { collector.encode(to: &encoder) }
    }

    public init(decoding decoder: inout PartialStateDecoder, settings: Settings, run: RunDescription) throws {
        try self.init(settings: settings, run: run)
        try decoder.expectTag(Self.name, version: 1)
        let count = try decoder.integer()
        guard count == collectors.count else { throw PartialStateError.wrongCount(what: "domains", expected: collectors.count, found: count) }
        collectors = try collectors.map { empty in
            let collector = try MetaProfileCollector(decoding: &decoder)
            guard collector.name == empty.name, collector.layers == empty.layers, collector.metaCount == empty.metaCount else {
                throw PartialStateError.incompatible("a meta profile of '\(collector.name)' where '\(empty.name)' was expected")
            }
            return collector
        }
    }

    /// The analysis of every collected layer.
    public static func analyze(_ collectors: [MetaProfileCollector], permutations: Int, seed: UInt64, top: Int) throws -> [MetaDomainAnalysis.Result] {
        guard let layers = collectors.first?.layers else { return [] }
        do {
            return try layers.map { layer in
                try MetaDomainAnalysis.analyze(domains: collectors.map { ($0.name, $0.profiles(layer: layer) ?? []) },
                                               layer: layer, permutations: permutations, seed: seed, topCount: top)
            }
        } catch let error as AnalysisError {
            throw ReportError(error.description)
        }
    }

    public func write(to writer: ArtifactWriter, layout: ArtifactLayout, run: RunDescription) throws -> AnalysisOutput {
        let results = try Self.analyze(collectors, permutations: settings.permutations, seed: settings.seed, top: settings.top)
        let table = try MetaDomainArtifacts.write(.init(collectors: collectors, domains: run.domains, results: results,
                                                        primaryLayer: settings.layers.last!, permutations: settings.permutations,
                                                        seed: settings.seed, modelPath: run.modelPath, config: run.config),
                                                  writer: writer)
        guard layout == .report else { return AnalysisOutput(table: table) }
        let section = ReportSection(id: "meta-domains", title: "Meta tokens by domain (paper Fig. 5)", command: "meta-domains",
                                    intro: "Which meta tokens the text of each domain (\(run.domains.map { "\($0.name): \($0.passages) passages" }.joined(separator: ", "))) attends to, and whether the domains' profiles differ.",
                                    writer: writer)
        return AnalysisOutput(section: section, summary: ("meta_domains", summary(results)), headlineHTML: Self.headline(results.last),
                              table: table)
    }

    func summary(_ results: [MetaDomainAnalysis.Result]) -> JSONTree {
        let last = results.last
        return .object([
            ("layer", last.map { .integer($0.layer) } ?? .null),
            ("p_value", .number(last?.test.pValue)),
            ("p_value_per_layer", .numbers(results.map(\.test.pValue))),
            ("permutations", .integer(settings.permutations)),
            ("jsd", .array((last?.divergences ?? []).map {
                .object([("first", .string($0.first)), ("second", .string($0.second)), ("jsd", .number($0.divergence))])
            })),
            ("most_specific_tokens", .object((last?.domains ?? []).map { domain in
                (domain.name, .array(domain.topTokens.prefix(3).map { .integer($0.token) }))
            })),
        ])
    }

    /// The most domain-specific meta tokens of the last layer.
    static func headline(_ meta: MetaDomainAnalysis.Result?) -> String {
        guard let meta else { return "" }
        var out = "<p>Most domain-specific meta tokens at layer \(meta.layer) (share of the domain's meta mass minus the other domains' mean share; permutation p = \(HTMLText.escape(AnalysisStyle.pValue(meta.test.pValue, permutations: meta.test.permutations)))):</p>\n<table><tr><th class=\"text\">domain</th><th class=\"text\">tokens (specificity, percentage points)</th></tr>\n"
        for domain in meta.domains {
            let tokens = domain.topTokens.prefix(3).map { "#\($0.token) (+\(String(format: "%.2f", $0.specificity * 100)))" }
            out += "<tr><td class=\"text\">\(HTMLText.escape(domain.name))</td><td class=\"text\">\(tokens.joined(separator: ", "))</td></tr>\n"
        }
        return out + "</table>\n"
    }
}
