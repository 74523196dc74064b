import HymbaKit

/// How spread out the heads' rows are (paper Fig. 15): per layer and head, the mean over
/// passages of `attn_entropy` and `ssm_entropy` — each the mean over real-token rows of
/// `−Σ_u q[t,u] ln q[t,u]` in nats, `q` the attention row or the row-normalised |α| of an SSM
/// head's implicit map — and per layer the mean over heads.
///
/// A row over k visible keys has entropy between 0 (all mass on one key) and ln k (uniform).
/// Run it once with and once without meta tokens to see what the meta tokens do to the spread.
public struct EntropyAccumulator: Sendable {
    public static let requiredPoints: [HookPoint] = [.attnEntropy, .ssmEntropy]

    public let layers: Int
    public let heads: Int
    private var attention: [RunningMean]
    private var ssm: [RunningMean]
    public private(set) var passages = 0

    public init(layers: Int, heads: Int) {
        self.layers = layers
        self.heads = heads
        attention = Array(repeating: RunningMean(count: heads), count: layers)
        ssm = attention
    }

    public mutating func add(_ recording: PassageRecording) throws {
        var a: [[Float]] = [], s: [[Float]] = []
        for layer in 0..<layers {
            a.append(try recording.floats(.attnEntropy, layer: layer, shape: [heads]))
            s.append(try recording.floats(.ssmEntropy, layer: layer, shape: [heads]))
        }
        for layer in 0..<layers {
            attention[layer].add(a[layer])
            ssm[layer].add(s[layer])
        }
        passages += 1
    }

    public var summary: [LayerEntropy] {
        (0..<layers).map { layer in
            let a = attention[layer].mean, s = ssm[layer].mean
            return LayerEntropy(layer: layer, attention: finiteMean(a), ssm: finiteMean(s),
                                attentionHeads: a, ssmHeads: s)
        }
    }
}

/// One layer's mean row entropies, in nats.
public struct LayerEntropy: Equatable, Sendable {
    public let layer: Int
    public let attention: Double
    public let ssm: Double
    public let attentionHeads: [Double]
    public let ssmHeads: [Double]
}

extension EntropyAccumulator: MergeableReducer {
    public mutating func merge(_ other: EntropyAccumulator) throws {
        guard other.layers == layers, other.heads == heads else {
            throw PartialStateError.incompatible("entropies of \(layers)×\(heads) and \(other.layers)×\(other.heads) heads")
        }
        try attention.merge(other.attention, what: "attention entropies")
        try ssm.merge(other.ssm, what: "SSM entropies")
        passages += other.passages
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag("EntropyAccumulator", version: 1)
        encoder.integers([layers, heads, passages])
        attention.encode(to: &encoder)
        ssm.encode(to: &encoder)
    }

    public init(decoding decoder: inout PartialStateDecoder) throws {
        try decoder.expectTag("EntropyAccumulator", version: 1)
        let header = try decoder.integers(count: 3)
        self.init(layers: header[0], heads: header[1])
        passages = header[2]
        attention = try [RunningMean](decoding: &decoder, count: layers, each: heads)
        ssm = try [RunningMean](decoding: &decoder, count: layers, each: heads)
    }
}
