import Foundation

/// A Hymba model ready to run: validated config and fp32 weights.
///
/// The prefill forward (SEMANTICS.md §2–4) reads top to bottom:
/// ```
/// X = [meta tokens; embed(ids)]                         (T, D), T = M + n
/// for each layer: X = HybridBlock(X)                    attention ‖ SSM → norm → average → out_proj; MLP
/// logits = RMSNorm(X)[M...] · lm_headᵀ                  (n, vocab)
/// ```
public struct HymbaModel: Sendable {
    public let config: HymbaConfig
    public let weights: HymbaWeights

    public init(config: HymbaConfig, weights: HymbaWeights) {
        self.config = config
        self.weights = weights
    }

    /// Loads a checkpoint folder.
    public init(checkpoint: Checkpoint, progress: ((Int, Int) -> Void)? = nil) throws {
        self.init(config: checkpoint.config, weights: try HymbaWeights(checkpoint: checkpoint, progress: progress))
    }

    /// The same weights without meta tokens (M = 0): masks and positions adapt, so one can see
    /// where attention goes when there is no meta token to absorb it.
    public func withoutMetaTokens() -> HymbaModel {
        var config = self.config
        config.memoryTokens = 0
        var weights = self.weights
        weights.metaTokens = Matrix(rows: 0, cols: config.hiddenSize)
        return HymbaModel(config: config, weights: weights)
    }

    /// Checks a prompt before running it.
    public func validate(ids: [Int]) throws {
        guard !ids.isEmpty else { throw ProbeError.emptyInput }
        for (position, id) in ids.enumerated() where !(0..<config.vocabSize).contains(id) {
            throw ProbeError.tokenOutOfRange(id: id, position: position, vocabularySize: config.vocabSize)
        }
        let rows = ids.count + config.memoryTokens
        if rows > config.maxPositionEmbeddings {
            throw ProbeError.tooLong(tokens: rows, limit: config.maxPositionEmbeddings)
        }
    }

    /// Runs the prompt and returns the logits of its `n` real tokens, `(n, vocab)`.
    ///
    /// - Parameters:
    ///   - recorder: receives what its plan asks for; nil runs with no probes.
    ///   - ablations: components to zero (any layers).
    public func forward(ids: [Int], recorder: Recorder? = nil, ablations: [Ablation] = []) throws -> Matrix {
        try validate(ids: ids)
        try validate(ablations)
        recorder?.begin(ids: ids)
        var state = LayerLoop(model: self, ids: ids)
        var x = embed(ids)                                                  // (T, D)
        for i in 0..<config.hiddenLayers {
            state.apply(layer: i, to: &x, recorder: recorder, ablations: ablations)
        }
        let logits = readOut(x)
        if let recorder {
            if recorder.plan.wants(.inputIDs) {
                recorder.store(ModelKey.inputIDs.rawValue, Tensor(shape: [ids.count], integers: ids.map(Int64.init)))
            }
            if recorder.plan.wants(.logits) { recorder.store(ModelKey.logits.rawValue, Tensor(logits)) }
        }
        return logits
    }

    /// An unablated run that keeps every layer's input and the shared K/V, for `forward(resumingAt:)`.
    public func cleanRun(ids: [Int]) throws -> CleanRun {
        try validate(ids: ids)
        var state = LayerLoop(model: self, ids: ids)
        var x = embed(ids)
        var inputs: [Matrix] = []
        for i in 0..<config.hiddenLayers {
            inputs.append(x)
            state.apply(layer: i, to: &x, recorder: nil, ablations: [])
        }
        return CleanRun(ids: ids, logits: readOut(x), layerInputs: inputs, producedKV: state.producedKV)
    }

    /// The logits with `ablations` applied, recomputing only from the first ablated layer on:
    /// earlier layers are unchanged, so their outputs (and K/V) come from `clean`.
    public func forward(resumingFrom clean: CleanRun, ablations: [Ablation]) throws -> Matrix {
        try validate(ablations)
        guard let first = ablations.map(\.layer).min() else { return clean.logits }
        var state = LayerLoop(model: self, ids: clean.ids)
        state.producedKV = clean.producedKV.filter { $0.key < first }
        var x = clean.layerInputs[first]
        for i in first..<config.hiddenLayers {
            state.apply(layer: i, to: &x, recorder: nil, ablations: ablations)
        }
        return readOut(x)
    }

    private func validate(_ ablations: [Ablation]) throws {
        for ablation in ablations {
            guard (0..<config.hiddenLayers).contains(ablation.layer) else {
                throw ProbeError.layerOutOfRange(item: ablation.description, layer: ablation.layer, layers: config.hiddenLayers)
            }
            switch ablation.target {
            case .attentionHead(let h), .ssmHead(let h):
                guard (0..<config.attentionHeads).contains(h) else {
                    throw ProbeError.headOutOfRange(item: ablation.description, head: h, heads: config.attentionHeads)
                }
            default: break
            }
        }
    }

    /// Final norm over the real rows and the LM head.
    private func readOut(_ x: Matrix) -> Matrix {
        let m = config.memoryTokens
        let normed = rmsNorm(x.rows(m..<x.rows), weight: weights.finalNorm, eps: config.rmsNormEps)
        return BLAS.linear(normed, weights.lmHead)                          // (n, vocab)
    }

    /// Per-run state of the layer loop: RoPE tables and the K/V producers hand to consumers.
    private struct LayerLoop {
        let model: HymbaModel
        let rope: RotaryEmbedding?
        let rows: Int
        var producedKV: [Int: HybridBlock.KeyValues] = [:]

        init(model: HymbaModel, ids: [Int]) {
            self.model = model
            rows = model.config.memoryTokens + ids.count
            rope = model.config.rope ? RotaryEmbedding(config: model.config, positions: rows) : nil
        }

        mutating func apply(layer i: Int, to x: inout Matrix, recorder: Recorder?, ablations: [Ablation]) {
            let config = model.config
            let block = HybridBlock(index: i, weights: model.weights.layers[i], config: config)
            var sharedKV: HybridBlock.KeyValues?
            if case .consumer(let producer) = config.kvRole(layer: i) { sharedKV = producedKV[producer] }
            let probe = recorder?.probe(layer: i, rows: rows)
            let targets = ablations.filter { $0.layer == i }.map(\.target)
            let ownKV = block.apply(&x, rope: rope, sharedKV: sharedKV, probe: probe, ablations: targets)
            if case .producer = config.kvRole(layer: i) { producedKV[i] = ownKV }
        }
    }

    /// A recorder for `plan` on this model.
    public func makeRecorder(plan: RecordingPlan) -> Recorder {
        Recorder(plan: plan, model: self)
    }

    /// Meta tokens followed by the token embeddings, unscaled.
    private func embed(_ ids: [Int]) -> Matrix {
        let d = config.hiddenSize, m = config.memoryTokens
        var x = Matrix(rows: m + ids.count, cols: d)
        x.storage.withUnsafeMutableBufferPointer { xp in
            weights.metaTokens.storage.withUnsafeBufferPointer { meta in
                if m > 0 { xp.baseAddress!.update(from: meta.baseAddress!, count: m * d) }
            }
            weights.embedding.storage.withUnsafeBufferPointer { table in
                for (j, id) in ids.enumerated() {
                    (xp.baseAddress! + (m + j) * d).update(from: table.baseAddress! + id * d, count: d)
                }
            }
        }
        return x
    }
}
