import HymbaAnalysis
import HymbaKit

/// Branch magnitudes (paper Fig. 12): `branch_rms` on the run with meta tokens, with the
/// pre-average norms' mean |weight| that the run description carries.
public struct MagnitudesAnalysis: CorpusAnalysis {
    public struct Settings: Codable, Equatable, Sendable {
        public init() {}
    }

    public static let name = "magnitudes"
    public let settings: Settings
    private var magnitudes: BranchMagnitudeAccumulator

    public init(settings: Settings, run: RunDescription) throws {
        self.settings = settings
        magnitudes = BranchMagnitudeAccumulator(layers: run.config.hiddenLayers)
    }

    public static func forReport(_ options: ReportOptions, run: RunDescription) throws -> MagnitudesAnalysis {
        try MagnitudesAnalysis(settings: .init(), run: run)
    }

    public func needs(_ passage: PassageRef, run: RunDescription) -> PassageNeeds {
        PassageNeeds(withMeta: BranchMagnitudeAccumulator.requiredPoints)
    }

    public mutating func add(_ outcome: PassageOutcome) throws {
        try magnitudes.add(outcome.recording(withMetaTokens: true))
    }

    public mutating func merge(_ other: MagnitudesAnalysis) throws {
        try magnitudes.merge(other.magnitudes)
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag(Self.name, version: 1)
        magnitudes.encode(to: &encoder)
    }

    public init(decoding decoder: inout PartialStateDecoder, settings: Settings, run: RunDescription) throws {
        try self.init(settings: settings, run: run)
        try decoder.expectTag(Self.name, version: 1)
        let decoded = try BranchMagnitudeAccumulator(decoding: &decoder)
        guard decoded.layers == magnitudes.layers else { throw PartialStateError.incompatible("branch magnitudes of another model shape") }
        magnitudes = decoded
    }

    public func write(to writer: ArtifactWriter, layout: ArtifactLayout, run: RunDescription) throws -> AnalysisOutput {
        let layers = magnitudes.summary(normWeights: run.normWeights)
        let table = try MagnitudeArtifacts.write(layers, passages: magnitudes.passages, tokens: run.totalTokens,
                                                 modelPath: run.modelPath, config: run.config, writer: writer)
        guard layout == .report else { return AnalysisOutput(table: table) }
        let section = ReportSection(id: "magnitudes", title: "Branch magnitudes (paper Fig. 12)", command: "magnitudes",
                                    intro: "How large each branch's output is before the two are normalised and averaged, and the norm weights that rescale them.",
                                    writer: writer)
        let summary = JSONTree.object([
            ("ssm_to_attention_rms", .numbers(layers.map(\.ssmToAttentionRatio))),
            ("attention_norm_mean_abs_weight", .numbers(layers.map(\.attentionNormWeight))),
            ("ssm_norm_mean_abs_weight", .numbers(layers.map(\.ssmNormWeight))),
        ])
        return AnalysisOutput(section: section, summary: ("magnitudes", summary), table: table)
    }
}
