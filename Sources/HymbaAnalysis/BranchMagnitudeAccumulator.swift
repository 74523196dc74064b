import HymbaKit

/// How large each branch's output is before the two are averaged (paper Fig. 12), and the
/// weights of the pre-average norms that rescale them (the paper's β).
///
/// ```
/// rms[l, c]  = mean over passages of ( mean over real-token rows t of branch_rms[l][t, c] )
///              c = attn_out, ssm_out, attn after its norm, ssm after its norm
/// β_attn[l]  = (1/E) Σ_e |pre_avg_layernorm1.weight[e]|      β_ssm likewise with layernorm2
/// ```
/// `branch_rms[t, c]` is the root mean square over the row's channels. Meta-token rows are left
/// out so that runs with and without meta tokens compare the same rows.
public struct BranchMagnitudeAccumulator: Sendable {
    public static let requiredPoints: [HookPoint] = [.branchRMS]

    public let layers: Int
    private var perLayer: [RunningMean]
    public private(set) var passages = 0

    public init(layers: Int) {
        self.layers = layers
        perLayer = Array(repeating: RunningMean(count: 4), count: layers)
    }

    public mutating func add(_ recording: PassageRecording) throws {
        let m = recording.metaCount, rows = m + recording.tokenCount
        var means: [[Double]] = []
        for layer in 0..<layers {
            let values = try recording.floats(.branchRMS, layer: layer, shape: [rows, 4])
            means.append((0..<4).map { c in
                (m..<rows).reduce(0.0) { $0 + Double(values[$1 * 4 + c]) } / Double(max(1, rows - m))
            })
        }
        for layer in 0..<layers { perLayer[layer].add(means[layer]) }
        passages += 1
    }

    /// Combined with the norm weights of `weights`.
    public func summary(weights: HymbaWeights) -> [BranchMagnitudes] {
        summary(normWeights: NormWeightMeans(weights: weights))
    }

    /// Combined with the mean |weight| of each layer's pre-average norms (what a journaled run
    /// keeps of the weights, so a merge needs no model).
    public func summary(normWeights: NormWeightMeans) -> [BranchMagnitudes] {
        (0..<layers).map { layer in
            let rms = perLayer[layer].mean
            let attention = normWeights.attention.indices.contains(layer) ? normWeights.attention[layer] : .nan
            let ssm = normWeights.ssm.indices.contains(layer) ? normWeights.ssm[layer] : .nan
            return BranchMagnitudes(layer: layer, attentionRMS: rms[0], ssmRMS: rms[1],
                                    normalizedAttentionRMS: rms[2], normalizedSSMRMS: rms[3],
                                    attentionNormWeight: attention, ssmNormWeight: ssm)
        }
    }

    /// Mean |w| of a norm's weight vector.
    public static func meanAbsolute(_ weight: [Float]) -> Double {
        weight.isEmpty ? .nan : weight.reduce(0.0) { $0 + Double(abs($1)) } / Double(weight.count)
    }
}

/// Per layer, the mean |weight| of pre_avg_layernorm1 (attention) and pre_avg_layernorm2 (SSM):
/// the paper's β, the scale each branch gets in the average.
public struct NormWeightMeans: Equatable, Sendable {
    public let attention: [Double]
    public let ssm: [Double]

    public init(attention: [Double], ssm: [Double]) {
        self.attention = attention
        self.ssm = ssm
    }

    public init(weights: HymbaWeights) {
        attention = weights.layers.map { BranchMagnitudeAccumulator.meanAbsolute($0.attentionNorm) }
        ssm = weights.layers.map { BranchMagnitudeAccumulator.meanAbsolute($0.ssmNorm) }
    }
}

/// One layer's branch magnitudes.
public struct BranchMagnitudes: Equatable, Sendable {
    public let layer: Int
    /// RMS of `attn_out` / `ssm_out` before their norms.
    public let attentionRMS: Double
    public let ssmRMS: Double
    /// RMS after the pre-average norms (what is averaged).
    public let normalizedAttentionRMS: Double
    public let normalizedSSMRMS: Double
    /// Mean |weight| of pre_avg_layernorm1 (attention) and 2 (SSM).
    public let attentionNormWeight: Double
    public let ssmNormWeight: Double

    /// How much larger the SSM output is than the attention output, before the norms.
    public var ssmToAttentionRatio: Double { ssmRMS / attentionRMS }
}

extension BranchMagnitudeAccumulator: MergeableReducer {
    public mutating func merge(_ other: BranchMagnitudeAccumulator) throws {
        guard other.layers == layers else {
            throw PartialStateError.incompatible("branch magnitudes of \(layers) and \(other.layers) layers")
        }
        try perLayer.merge(other.perLayer, what: "branch magnitudes")
        passages += other.passages
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag("BranchMagnitudeAccumulator", version: 1)
        encoder.integers([layers, passages])
        perLayer.encode(to: &encoder)
    }

    public init(decoding decoder: inout PartialStateDecoder) throws {
        try decoder.expectTag("BranchMagnitudeAccumulator", version: 1)
        let header = try decoder.integers(count: 2)
        self.init(layers: header[0])
        passages = header[1]
        perLayer = try [RunningMean](decoding: &decoder, count: layers, each: 4)
    }
}
