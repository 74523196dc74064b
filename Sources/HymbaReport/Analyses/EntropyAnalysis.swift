import HymbaAnalysis
import HymbaKit

/// Row entropy (paper Fig. 15) of attention and SSM heads on the run with meta tokens and on the
/// run without them: an `EntropyAccumulator` per run.
public struct EntropyAnalysis: CorpusAnalysis {
    public struct Settings: Codable, Equatable, Sendable {
        public init() {}
    }

    public static let name = "entropy"
    public let settings: Settings
    private var withMeta: EntropyAccumulator
    private var withoutMeta: EntropyAccumulator

    public init(settings: Settings, run: RunDescription) throws {
        guard run.config.memoryTokens > 0 else {
            throw ReportError("\(run.modelPath) has no meta tokens: with and without them would be the same run")
        }
        self.settings = settings
        withMeta = EntropyAccumulator(layers: run.config.hiddenLayers, heads: run.config.attentionHeads)
        withoutMeta = withMeta
    }

    public static func forReport(_ options: ReportOptions, run: RunDescription) throws -> EntropyAnalysis {
        try EntropyAnalysis(settings: .init(), run: run)
    }

    public func needs(_ passage: PassageRef, run: RunDescription) -> PassageNeeds {
        PassageNeeds(withMeta: EntropyAccumulator.requiredPoints, withoutMeta: EntropyAccumulator.requiredPoints)
    }

    public mutating func add(_ outcome: PassageOutcome) throws {
        try withMeta.add(outcome.recording(withMetaTokens: true))
        try withoutMeta.add(outcome.recording(withMetaTokens: false))
    }

    public mutating func merge(_ other: EntropyAnalysis) throws {
        try withMeta.merge(other.withMeta)
        try withoutMeta.merge(other.withoutMeta)
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag(Self.name, version: 1)
        withMeta.encode(to: &encoder)
        withoutMeta.encode(to: &encoder)
    }

    public init(decoding decoder: inout PartialStateDecoder, settings: Settings, run: RunDescription) throws {
        try self.init(settings: settings, run: run)
        try decoder.expectTag(Self.name, version: 1)
        let with = try EntropyAccumulator(decoding: &decoder), without = try EntropyAccumulator(decoding: &decoder)
        guard with.layers == withMeta.layers, with.heads == withMeta.heads, without.layers == with.layers, without.heads == with.heads else {
            throw PartialStateError.incompatible("entropies of another model shape")
        }
        withMeta = with
        withoutMeta = without
    }

    public func write(to writer: ArtifactWriter, layout: ArtifactLayout, run: RunDescription) throws -> AnalysisOutput {
        let entropy = withMeta.summary, bare = withoutMeta.summary
        let table = try EntropyArtifacts.write(withMeta: entropy, withoutMeta: bare, passages: run.totalPassages, tokens: run.totalTokens,
                                               modelPath: run.modelPath, config: run.config, writer: writer)
        guard layout == .report else { return AnalysisOutput(table: table) }
        let section = ReportSection(id: "entropy", title: "Row entropy with and without meta tokens (paper Fig. 15)", command: "entropy",
                                    intro: "How spread out each attention row and each SSM head's |implicit attention| row is, with the meta tokens and without them.",
                                    writer: writer)
        let summary = JSONTree.object([
            ("attention", .numbers(entropy.map(\.attention))),
            ("attention_without_meta", .numbers(bare.map(\.attention))),
            ("ssm", .numbers(entropy.map(\.ssm))),
            ("ssm_without_meta", .numbers(bare.map(\.ssm))),
        ])
        return AnalysisOutput(section: section, summary: ("entropy", summary), table: table)
    }
}
