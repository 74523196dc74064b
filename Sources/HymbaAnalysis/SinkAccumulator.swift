import HymbaKit

/// Attention sinks (paper Fig. 7): per layer and head, the mean over passages of `attn_mass`
/// and `ssm_mass` — the share of each real-token row's mass on meta tokens, the BOS, the token
/// itself and other tokens — and per layer the mean over heads of those.
///
/// ```
/// share[l, h, c] = (1/P) Σ_p attn_mass_p[l][h, c]          (each passage weighs the same)
/// share[l, c]    = (1/H) Σ_h share[l, h, c]
/// ```
/// `attn_mass` already averages over the real-token rows of one passage (BOS row included), so
/// a long passage does not outweigh a short one here. The model card's table pools rows over all
/// passages instead (token-weighted) and leaves out the BOS row, so its numbers differ a little.
public struct SinkAccumulator: Sendable {
    public static let requiredPoints: [HookPoint] = [.attnMass, .ssmMass]

    public let layers: Int
    public let heads: Int
    private var attention: [RunningMean]     // per layer, H·4
    private var ssm: [RunningMean]
    public private(set) var passages = 0
    public private(set) var tokens = 0

    public init(layers: Int, heads: Int) {
        self.layers = layers
        self.heads = heads
        attention = Array(repeating: RunningMean(count: heads * 4), count: layers)
        ssm = attention
    }

    public mutating func add(_ recording: PassageRecording) throws {
        var a: [[Float]] = [], s: [[Float]] = []
        for layer in 0..<layers {
            a.append(try recording.floats(.attnMass, layer: layer, shape: [heads, 4]))
            s.append(try recording.floats(.ssmMass, layer: layer, shape: [heads, 4]))
        }
        for layer in 0..<layers {
            attention[layer].add(a[layer])
            ssm[layer].add(s[layer])
        }
        passages += 1
        tokens += recording.tokenCount
    }

    public var summary: SinkSummary {
        SinkSummary(passages: passages, tokens: tokens, layers: (0..<layers).map { layer in
            let a = attention[layer].mean, s = ssm[layer].mean
            let attentionHeads = (0..<heads).map { MassShares(row: a[($0 * 4)..<($0 * 4 + 4)]) }
            let ssmHeads = (0..<heads).map { MassShares(row: s[($0 * 4)..<($0 * 4 + 4)]) }
            return SinkSummary.Layer(layer: layer, attention: .mean(attentionHeads), ssm: .mean(ssmHeads),
                                     attentionHeads: attentionHeads, ssmHeads: ssmHeads)
        })
    }
}

/// The result of `SinkAccumulator`.
public struct SinkSummary: Equatable, Sendable {
    public struct Layer: Equatable, Sendable {
        public let layer: Int
        /// Mean over heads and passages.
        public let attention: MassShares
        public let ssm: MassShares
        /// Per head, mean over passages.
        public let attentionHeads: [MassShares]
        public let ssmHeads: [MassShares]
    }

    public let passages: Int
    public let tokens: Int
    public let layers: [Layer]
}

extension SinkAccumulator: MergeableReducer {
    public mutating func merge(_ other: SinkAccumulator) throws {
        guard other.layers == layers, other.heads == heads else {
            throw PartialStateError.incompatible("sinks of \(layers)×\(heads) and \(other.layers)×\(other.heads) heads")
        }
        try attention.merge(other.attention, what: "attention sinks")
        try ssm.merge(other.ssm, what: "SSM sinks")
        passages += other.passages
        tokens += other.tokens
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag("SinkAccumulator", version: 1)
        encoder.integers([layers, heads, passages, tokens])
        attention.encode(to: &encoder)
        ssm.encode(to: &encoder)
    }

    public init(decoding decoder: inout PartialStateDecoder) throws {
        try decoder.expectTag("SinkAccumulator", version: 1)
        let header = try decoder.integers(count: 4)
        self.init(layers: header[0], heads: header[1])
        passages = header[2]
        tokens = header[3]
        attention = try [RunningMean](decoding: &decoder, count: layers, each: heads * 4)
        ssm = try [RunningMean](decoding: &decoder, count: layers, each: heads * 4)
    }
}
