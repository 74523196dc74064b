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
    /// - Parameter recorder: receives what its plan asks for; nil runs with no probes.
    public func forward(ids: [Int], recorder: Recorder? = nil) throws -> Matrix {
        try validate(ids: ids)
        recorder?.begin(ids: ids)
        let m = config.memoryTokens, rows = m + ids.count
        var x = embed(ids)                                                  // (T, D)
        let rope = config.rope ? RotaryEmbedding(config: config, positions: rows) : nil
        var producedKV: [Int: HybridBlock.KeyValues] = [:]

        for (i, layerWeights) in weights.layers.enumerated() {
            let block = HybridBlock(index: i, weights: layerWeights, config: config)
            var sharedKV: HybridBlock.KeyValues?
            if case .consumer(let producer) = config.kvRole(layer: i) { sharedKV = producedKV[producer] }
            let probe = recorder?.probe(layer: i, rows: rows)
            let ownKV = block.apply(&x, rope: rope, sharedKV: sharedKV, probe: probe)
            if case .producer = config.kvRole(layer: i) { producedKV[i] = ownKV }
        }

        let normed = rmsNorm(x.rows(m..<rows), weight: weights.finalNorm, eps: config.rmsNormEps)
        let logits = BLAS.linear(normed, weights.lmHead)                    // (n, vocab)
        if let recorder {
            if recorder.plan.wants(.inputIDs) {
                recorder.store(ModelKey.inputIDs.rawValue, Tensor(shape: [ids.count], integers: ids.map(Int64.init)))
            }
            if recorder.plan.wants(.logits) { recorder.store(ModelKey.logits.rawValue, Tensor(logits)) }
        }
        return logits
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
