import Foundation

/// One layer's view of the recording plan: the forward pass hands it intermediate values and
/// it keeps — or reduces on the fly — exactly what the plan asks for at this layer.
///
/// On a run over the real rows only (`firstRow` = M), what it is handed covers rows M ..< T;
/// it puts the meta rows from the recorder's `MetaRecording` in front of every per-row point
/// and map, so recordings are the same on both paths.
final class LayerProbe {
    let layer: Int
    private let recorder: Recorder
    private let config: HymbaConfig
    /// T, all positions.
    private let rows: Int
    /// The first row the forward computes: 0, or M when the meta rows come from the recorder's meta recording.
    private let firstRow: Int

    private let attentionMaps: DenseMapCollector?
    private let attentionStatistics: AttentionRowStatistics?
    /// What the attention kernel reports its rows to (nil when nothing needs them).
    let attentionObserver: AttentionRowObserver?

    init(layer: Int, recorder: Recorder, rows: Int, firstRow: Int) {
        self.layer = layer
        self.recorder = recorder
        self.config = recorder.config
        self.rows = rows
        self.firstRow = firstRow
        let plan = recorder.plan
        attentionMaps = plan.heads(.attnProbs, layer: layer, headCount: config.attentionHeads)
            .map { DenseMapCollector(heads: $0, rows: rows, metaRows: recorder.meta?.tensors[HookPoint.attnProbs.key(layer: layer)]) }
        attentionStatistics = [.attnMass, .metaAttnReceived, .attnEntropy, .attnDistance].contains { plan.wants($0, layer: layer) }
            ? AttentionRowStatistics(heads: config.attentionHeads, metaCount: config.memoryTokens,
                                     firstTokenIsBOS: recorder.firstTokenIsBOS, absolute: false, rows: rows,
                                     keepsReceived: plan.wants(.metaAttnReceived, layer: layer))
            : nil
        attentionObserver = AttentionObserverGroup.combining([attentionMaps, attentionStatistics])
    }

    func wants(_ point: HookPoint) -> Bool { recorder.plan.wants(point, layer: layer) }

    private func record(_ point: HookPoint, _ tensor: @autoclosure () -> Tensor) {
        guard wants(point) else { return }
        let key = point.key(layer: layer)
        if firstRow > 0, point.coversEveryRow, !point.isMap, let meta = recorder.meta?.tensors[key] {
            recorder.store(key, Tensor(stackingRowsOf: meta, tensor()))
        } else {
            recorder.store(key, tensor())
        }
    }

    /// Both branch outputs before their norms, with the SSM internals.
    func capture(attentionOut: MatrixView, ssm: SSMBranch.Result, gate: MatrixView) {
        record(.attnOut, Tensor(attentionOut.matrix))
        record(.ssmOut, Tensor(ssm.output.matrix))
        if let norms = ssm.stateNorms { record(.ssmStateNorm, Tensor(norms.matrix)) }
        if let final = ssm.finalState { record(.ssmFinalState, Tensor(final.matrix)) }
        record(.ssmX, Tensor(ssm.scanInput.matrix))
        record(.ssmDt, Tensor(ssm.delta.matrix))
        record(.ssmB, Tensor(ssm.b.matrix))
        record(.ssmC, Tensor(ssm.c.matrix))
        record(.ssmGate, Tensor(gate.matrix))
        record(.attnHeadNorm, Self.headNorms(attentionOut, heads: config.attentionHeads))
        record(.ssmHeadNorm, Self.headNorms(ssm.output, heads: config.attentionHeads))
        captureSSMAttention(ssm)
    }

    /// `branch_rms`: the RMS of each branch output, and of each after its pre-average norm (the
    /// norm evaluated here as the forward evaluates it, row by row).
    func captureBranchRMS(attention: MatrixView, ssm: MatrixView, attentionNorm: [Float], ssmNorm: [Float], eps: Float) {
        guard wants(.branchRMS) else { return }
        let rows = attention.rows, cols = attention.cols
        var values = [Float](repeating: 0, count: rows * 4)
        var normalized = Matrix(rows: 1, cols: cols)
        normalized.withMutableView { scratch in
            for t in 0..<rows {
                values[t * 4 + 0] = Self.rms(attention.row(t), count: cols)
                values[t * 4 + 1] = Self.rms(ssm.row(t), count: cols)
                rmsNorm(attention.rows(t..<(t + 1)), weight: attentionNorm, eps: eps, into: scratch)
                values[t * 4 + 2] = Self.rms(scratch.base, count: cols)
                rmsNorm(ssm.rows(t..<(t + 1)), weight: ssmNorm, eps: eps, into: scratch)
                values[t * 4 + 3] = Self.rms(scratch.base, count: cols)
            }
        }
        record(.branchRMS, Tensor(shape: [rows, 4], floats: values))
    }

    /// The real rows of a view over rows `firstRow ..< T`.
    private func realRows(_ x: MatrixView) -> MatrixView { x.rows((config.memoryTokens - firstRow)..<x.rows) }

    /// Both branch outputs before the average, for the direct logit attribution (`attn_dla`,
    /// `ssm_dla`); `keep…` false for a branch the layer drops.
    func captureForAttribution(attention: MatrixView, ssm: MatrixView, keepAttention: Bool, keepSSM: Bool) {
        guard let attribution = recorder.attribution, wants(.attnDLA) || wants(.ssmDLA) else { return }
        attribution.addBranches(layer: layer, attention: realRows(attention), ssm: realRows(ssm),
                                keepAttention: keepAttention, keepSSM: keepSSM)
    }

    /// The residual after out_proj, before the MLP (for `mlp_dla`).
    func capture(residualBeforeMLP x: MatrixView) {
        guard let attribution = recorder.attribution, wants(.mlpDLA) else { return }
        attribution.addResidualBeforeMLP(realRows(x))
    }

    /// The residual stream after the layer; also closes the layer's attention reductions.
    func capture(hidden: MatrixView) {
        record(.hidden, Tensor(hidden.matrix))
        if wants(.logitLens) {
            let real = realRows(hidden).matrix
            record(.logitLens, Tensor(recorder.lens.logits(of: real, rows: 0..<real.rows)))
        }
        if let attribution = recorder.attribution {
            if wants(.mlpDLA) { attribution.addResidualAfterMLP(layer: layer, realRows(hidden)) }
            if layer == config.hiddenLayers - 1 {
                for (key, tensor) in attribution.finish(finalResidual: realRows(hidden), plan: recorder.plan) {
                    recorder.store(key, tensor)
                }
            }
        }
        if let maps = attentionMaps { record(.attnProbs, maps.tensor) }
        if let statistics = attentionStatistics {
            record(.attnMass, statistics.massTensor)
            record(.metaAttnReceived, statistics.metaReceivedTensor)
            record(.attnEntropy, statistics.entropyTensor)
            record(.attnDistance, statistics.distanceTensor)
        }
    }

    private func captureSSMAttention(_ ssm: SSMBranch.Result) {
        let plan = recorder.plan
        let metaMaps = { (point: HookPoint) in self.recorder.meta?.tensors[point.key(layer: self.layer)] }
        let headMaps = plan.heads(.ssmAttn, layer: layer, headCount: config.attentionHeads)
            .map { DenseMapCollector(heads: $0, rows: rows, metaRows: metaMaps(.ssmAttn)) }
        let channels = wants(.ssmAttnChannels) ? plan.ssmAttentionChannels : []
        let channelMaps = channels.isEmpty ? nil
            : DenseMapCollector(heads: Array(0..<channels.count), rows: rows, metaRows: metaMaps(.ssmAttnChannels))
        let statistics = (wants(.ssmMass) || wants(.ssmEntropy) || wants(.ssmDistance))
            ? AttentionRowStatistics(heads: config.attentionHeads, metaCount: config.memoryTokens,
                                     firstTokenIsBOS: recorder.firstTokenIsBOS, absolute: true, rows: rows)
            : nil
        let observer = AttentionObserverGroup.combining([headMaps, statistics])
        guard observer != nil || channelMaps != nil else { return }
        let attention = SSMImplicitAttention(heads: config.attentionHeads, metaCount: config.memoryTokens)
        if firstRow > 0 {
            // Real rows read the meta rows as keys: the implicit attention runs over all T rows'
            // Δ, B, C (the meta rows' from the meta recording) and reports rows M ..< T.
            let full = { (point: HookPoint, real: MatrixView) -> Matrix in
                let meta = self.recorder.meta!.tensors[point.key(layer: self.layer)]!.matrix
                var stacked = Matrix(uninitializedHugeRows: meta.rows + real.rows, cols: real.cols)
                stacked.withMutableView { all in
                    meta.withView { all.rows(0..<meta.rows).copy(from: $0) }
                    all.rows(meta.rows..<all.rows).copy(from: real)
                }
                return stacked
            }
            attention.run(delta: full(.ssmDt, ssm.delta), negA: recorder.negA(layer: layer), b: full(.ssmB, ssm.b),
                          c: full(.ssmC, ssm.c), firstQueryRow: firstRow,
                          headObserver: observer, channels: channels, channelObserver: channelMaps)
        } else {
            attention.run(delta: ssm.delta, negA: recorder.negA(layer: layer), b: ssm.b, c: ssm.c,
                          headObserver: observer, channels: channels, channelObserver: channelMaps)
        }
        if let headMaps { record(.ssmAttn, headMaps.tensor) }
        if let statistics {
            record(.ssmMass, statistics.massTensor)
            record(.ssmEntropy, statistics.entropyTensor)
            record(.ssmDistance, statistics.distanceTensor)
        }
        if let channelMaps { record(.ssmAttnChannels, channelMaps.tensor) }
    }

    /// `[T, H]`: L2 norm of each head's column slice.
    static func headNorms(_ x: MatrixView, heads: Int) -> Tensor {
        let width = x.cols / heads
        var out = [Float](repeating: 0, count: x.rows * heads)
        for t in 0..<x.rows {
            for h in 0..<heads {
                var sum: Double = 0
                for k in 0..<width { let v = Double(x[t, h * width + k]); sum += v * v }
                out[t * heads + h] = Float(sum.squareRoot())
            }
        }
        return Tensor(shape: [x.rows, heads], floats: out)
    }

    /// Root mean square of `count` values.
    static func rms(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Double = 0
        for k in 0..<count { let v = Double(x[k]); sum += v * v }
        return Float((sum / Double(max(1, count))).squareRoot())
    }
}
