import HymbaKit

/// A machine-independent estimate of what a passage costs, in "row-layers": one token row
/// through one layer's projections. It deals passages to shards (`ShardAssignment`), chooses
/// the report's default ablation passages by model size (`AblationDefaults`) and, scaled by a
/// reference speed, says in advance how long a plan would take; the ETA a run prints comes from
/// its own calibration instead (`PassRates`).
///
/// ```
/// recorded pass     rows · L · 2 + n · h      rows = M + n with meta tokens, n without; the
///                                             statistics the analyses record on the fly cost
///                                             about as much again as the layer itself
/// clean run         n · (L + h)
/// ablation at l     n · (L − l + 1.3 · h)     layers l … L−1 rerun, LM head, loss
/// h                 vocab · D / P             the LM head in layer units (P = a layer's
///                                             projection weights: in_proj, x_proj, dt_proj,
///                                             out_proj, MLP)
/// ```
/// The constants 2 and 1.3 were measured on the 1.5B shape (4 layers) and the bundled model:
/// a recorded pass over M + n rows took 2.0× a plain pass over the same rows; the loss's
/// log-sum-exp adds a third to the LM head.
struct PassageWork {
    let layers: Int
    let metaTokens: Int
    /// The LM head in layer units.
    let headLayers: Double
    /// Projection weights of one layer.
    let layerWeights: Double

    static let recordingFactor = 2.0
    static let lossFactor = 1.3

    init(config: HymbaConfig) {
        let d = Double(config.hiddenSize), e = Double(config.innerSize)
        let attention = Double(config.attentionHeads + 2 * config.keyValueHeads) * Double(config.headDim)
        let scan = e * Double(config.dtRank + 2 * config.stateSize) + Double(config.dtRank) * e
        layerWeights = d * (2 * e + attention) + scan + e * d + 3 * d * Double(config.intermediateSize)
        headLayers = Double(config.vocabSize) * d / layerWeights
        layers = config.hiddenLayers
        metaTokens = config.memoryTokens
    }

    func recorded(tokens n: Int, withMeta: Bool) -> Double {
        Double(withMeta ? metaTokens + n : n) * Double(layers) * Self.recordingFactor + Double(n) * headLayers
    }

    func clean(tokens n: Int) -> Double { Double(n) * (Double(layers) + headLayers) }

    func ablation(tokens n: Int, layer: Int) -> Double {
        Double(n) * (Double(layers - layer) + Self.lossFactor * headLayers)
    }

    /// Everything `needs` asks of a passage of `n` tokens.
    func passage(tokens n: Int, needs: PassageNeeds) -> Double {
        var work = 0.0
        if !needs.withMeta.isEmpty { work += recorded(tokens: n, withMeta: true) }
        if !needs.withoutMeta.isEmpty { work += recorded(tokens: n, withMeta: false) }
        if !needs.ablations.isEmpty {
            work += clean(tokens: n) + needs.ablations.reduce(0) { $0 + ablation(tokens: n, layer: $1.layer) }
        }
        return work
    }

    /// Seconds on the machine the defaults are chosen for: 2 cores on which a plain 512-token
    /// prefill of the 32-layer Hymba-1.5B takes about 8 s (0.49 ms per row-layer of its size),
    /// scaled to this model's layer size.
    func referenceSeconds(_ work: Double) -> Double {
        let referenceLayerWeights = 46.0e6, referenceRowLayer = 8.0 / (512 * 32)
        return work * referenceRowLayer * layerWeights / referenceLayerWeights
    }
}
