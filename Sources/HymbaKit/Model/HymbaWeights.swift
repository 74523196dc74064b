/// One decoder layer's weights in fp32, named for what they do. Shapes follow PyTorch Linear
/// (`[out, in]`); D = hidden, E = d_inner, N = d_state, R = dt rank, K = conv width, F = MLP width.
public struct LayerWeights: Sendable {
    public var inputNorm: [Float]        // (D)
    /// `[q | k | v | xs | z]` rows for K/V-computing layers, `[q | xs | z]` for consumers.
    public var inProj: Matrix            // (D + Hkv·hd + Hkv·vd + 2E, D) or (D + 2E, D)
    public var convWeight: Matrix        // (E, K)  depthwise, stored (E, 1, K)
    public var convBias: [Float]         // (E)
    public var xProj: Matrix             // (R + 2N, E)
    public var dtProj: Matrix            // (E, R)
    public var dtBias: [Float]           // (E)   added inside the softplus, after dt_proj
    /// `A = -exp(A_log)` transposed so that channels are contiguous for the scan.
    public var negAByState: Matrix       // (N, E)
    public var skipD: [Float]            // (E)
    public var dtNorm: [Float]           // (R)
    public var bNorm: [Float]            // (N)
    public var cNorm: [Float]            // (N)
    public var attentionNorm: [Float]    // (E)  pre_avg_layernorm1
    public var ssmNorm: [Float]          // (E)  pre_avg_layernorm2
    public var outProj: Matrix           // (D, E)
    public var mlpNorm: [Float]          // (D)
    /// gate_proj and up_proj stacked, so the MLP's two input projections are one sgemm.
    public var gateUp: Matrix            // (2F, D)
    public var downProj: Matrix          // (D, F)
}

/// All weights of a Hymba model in fp32.
public struct HymbaWeights: Sendable {
    public var embedding: Matrix         // (vocab, D)
    public var metaTokens: Matrix        // (M, D)
    public var layers: [LayerWeights]
    public var finalNorm: [Float]        // (D)
    /// `nil` when tied: the LM head is the embedding.
    public var untiedLMHead: Matrix?     // (vocab, D)

    public var lmHead: Matrix { untiedLMHead ?? embedding }

    /// Reads and widens every weight, checking each tensor's presence and shape.
    /// - Parameter progress: called after each layer with (done, total).
    public init(checkpoint: Checkpoint, progress: ((Int, Int) -> Void)? = nil) throws {
        let c = checkpoint.config
        let d = c.hiddenSize, e = c.innerSize, n = c.stateSize, r = c.dtRank, k = c.convWidth
        let f = c.intermediateSize, hd = c.headDim, vd = c.valueHeadDim, hkv = c.keyValueHeads

        embedding = try checkpoint.matrix(WeightNames.embedding, rows: c.vocabSize, cols: d)
        metaTokens = c.memoryTokens > 0
            ? try checkpoint.matrix(WeightNames.metaTokens, rows: c.memoryTokens, cols: d)
            : Matrix(rows: 0, cols: d)
        finalNorm = try checkpoint.floats(WeightNames.finalNorm, shape: [d])
        if checkpoint.contains(WeightNames.lmHead) {
            untiedLMHead = try checkpoint.matrix(WeightNames.lmHead, rows: c.vocabSize, cols: d)
        } else if c.tieWordEmbeddings {
            untiedLMHead = nil
        } else {
            throw CheckpointError.missingTensor(name: WeightNames.lmHead + " (tie_word_embeddings is false)",
                                                checkpoint: checkpoint.directory.path)
        }

        layers = []
        for i in 0..<c.hiddenLayers {
            let name = WeightNames.Layer(i)
            let kvWidth = c.kvRole(layer: i).computesKV ? hkv * hd + hkv * vd : 0
            let aLog = try checkpoint.floats(name.aLog, shape: [e, n])
            var negA = Matrix(rows: n, cols: e)
            for ch in 0..<e { for s in 0..<n { negA[s, ch] = -Float(Foundation.exp(Double(aLog[ch * n + s]))) } }
            let gate = try checkpoint.floats(name.gateProj, shape: [f, d])
            let up = try checkpoint.floats(name.upProj, shape: [f, d])
            layers.append(LayerWeights(
                inputNorm: try checkpoint.floats(name.inputNorm, shape: [d]),
                inProj: try checkpoint.matrix(name.inProj, rows: d + kvWidth + 2 * e, cols: d),
                convWeight: Matrix(rows: e, cols: k, storage: try checkpoint.floats(name.convWeight, shape: [e, 1, k])),
                convBias: try checkpoint.floats(name.convBias, shape: [e]),
                xProj: try checkpoint.matrix(name.xProj, rows: r + 2 * n, cols: e),
                dtProj: try checkpoint.matrix(name.dtProj, rows: e, cols: r),
                dtBias: try checkpoint.floats(name.dtBias, shape: [e]),
                negAByState: negA,
                skipD: try checkpoint.floats(name.skipD, shape: [e]),
                dtNorm: try checkpoint.floats(name.dtNorm, shape: [r]),
                bNorm: try checkpoint.floats(name.bNorm, shape: [n]),
                cNorm: try checkpoint.floats(name.cNorm, shape: [n]),
                attentionNorm: try checkpoint.floats(name.attentionNorm, shape: [e]),
                ssmNorm: try checkpoint.floats(name.ssmNorm, shape: [e]),
                outProj: try checkpoint.matrix(name.outProj, rows: d, cols: e),
                mlpNorm: try checkpoint.floats(name.mlpNorm, shape: [d]),
                gateUp: Matrix(rows: 2 * f, cols: d, storage: HugePageFloats.concatenation(gate, up)),
                downProj: try checkpoint.matrix(name.downProj, rows: d, cols: f)))
            progress?(i + 1, c.hiddenLayers)
        }
    }
}

import Foundation
