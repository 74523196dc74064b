import HymbaKit

/// Per layer and head, the mean over passages of where each attention head and SSM head puts
/// its mass (`attn_mass`, `ssm_mass`) and how far back it reads (`attn_distance`,
/// `ssm_distance`: mean content distance and 90 % content span, see `AttentionRowStatistics`
/// in HymbaKit). The inputs of head-role labelling.
public struct HeadStatisticsAccumulator: Sendable {
    public static let requiredPoints: [HookPoint] = [.attnMass, .ssmMass, .attnDistance, .ssmDistance]

    public let layers: Int
    public let heads: Int
    private var attentionMass: [RunningMean]
    private var ssmMass: [RunningMean]
    private var attentionDistance: [RunningMean]
    private var ssmDistance: [RunningMean]
    public private(set) var passages = 0

    public init(layers: Int, heads: Int) {
        self.layers = layers
        self.heads = heads
        attentionMass = Array(repeating: RunningMean(count: heads * 4), count: layers)
        ssmMass = attentionMass
        attentionDistance = Array(repeating: RunningMean(count: heads * 2), count: layers)
        ssmDistance = attentionDistance
    }

    public mutating func add(_ recording: PassageRecording) throws {
        var values: [[[Float]]] = []
        for layer in 0..<layers {
            values.append([
                try recording.floats(.attnMass, layer: layer, shape: [heads, 4]),
                try recording.floats(.ssmMass, layer: layer, shape: [heads, 4]),
                try recording.floats(.attnDistance, layer: layer, shape: [heads, 2]),
                try recording.floats(.ssmDistance, layer: layer, shape: [heads, 2]),
            ])
        }
        for layer in 0..<layers {
            attentionMass[layer].add(values[layer][0])
            ssmMass[layer].add(values[layer][1])
            attentionDistance[layer].add(values[layer][2])
            ssmDistance[layer].add(values[layer][3])
        }
        passages += 1
    }

    /// Every head of every layer, attention heads first within a layer, then SSM heads.
    public var statistics: [HeadStatistics] {
        var out: [HeadStatistics] = []
        for layer in 0..<layers {
            for (kind, mass, distance) in [(HeadKind.attention, attentionMass[layer].mean, attentionDistance[layer].mean),
                                           (HeadKind.ssm, ssmMass[layer].mean, ssmDistance[layer].mean)] {
                for h in 0..<heads {
                    out.append(HeadStatistics(layer: layer, kind: kind, head: h,
                                              mass: MassShares(row: mass[(h * 4)..<(h * 4 + 4)]),
                                              meanDistance: distance[h * 2], span90: distance[h * 2 + 1]))
                }
            }
        }
        return out
    }
}

/// Which branch a head belongs to.
public enum HeadKind: String, Sendable, CaseIterable {
    case attention
    case ssm
}

/// One head's averaged mass classes and reach.
public struct HeadStatistics: Equatable, Sendable {
    public let layer: Int
    public let kind: HeadKind
    public let head: Int
    public let mass: MassShares
    /// Mean distance back (tokens) of the row's mass on non-BOS real tokens.
    public let meanDistance: Double
    /// Smallest distance holding 90 % of that mass; for SSM heads the effective memory length.
    public let span90: Double

    public init(layer: Int, kind: HeadKind, head: Int, mass: MassShares, meanDistance: Double, span90: Double) {
        self.layer = layer
        self.kind = kind
        self.head = head
        self.mass = mass
        self.meanDistance = meanDistance
        self.span90 = span90
    }

    /// The distance a role is judged by: mean distance for attention heads, the effective
    /// memory length (90 % span) for SSM heads.
    public var reach: Double { kind == .attention ? meanDistance : span90 }
}

extension HeadStatisticsAccumulator: MergeableReducer {
    public mutating func merge(_ other: HeadStatisticsAccumulator) throws {
        guard other.layers == layers, other.heads == heads else {
            throw PartialStateError.incompatible("head statistics of \(layers)×\(heads) and \(other.layers)×\(other.heads) heads")
        }
        try attentionMass.merge(other.attentionMass, what: "attention mass")
        try ssmMass.merge(other.ssmMass, what: "SSM mass")
        try attentionDistance.merge(other.attentionDistance, what: "attention distance")
        try ssmDistance.merge(other.ssmDistance, what: "SSM distance")
        passages += other.passages
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag("HeadStatisticsAccumulator", version: 1)
        encoder.integers([layers, heads, passages])
        for means in [attentionMass, ssmMass, attentionDistance, ssmDistance] { means.encode(to: &encoder) }
    }

    public init(decoding decoder: inout PartialStateDecoder) throws {
        try decoder.expectTag("HeadStatisticsAccumulator", version: 1)
        let header = try decoder.integers(count: 3)
        self.init(layers: header[0], heads: header[1])
        passages = header[2]
        attentionMass = try [RunningMean](decoding: &decoder, count: layers, each: heads * 4)
        ssmMass = try [RunningMean](decoding: &decoder, count: layers, each: heads * 4)
        attentionDistance = try [RunningMean](decoding: &decoder, count: layers, each: heads * 2)
        ssmDistance = try [RunningMean](decoding: &decoder, count: layers, each: heads * 2)
    }
}
