import Foundation

/// One layer's view of the recording plan: the forward pass hands it intermediate values and
/// it keeps — or reduces on the fly — exactly what the plan asks for at this layer.
final class LayerProbe {
    let layer: Int
    private let recorder: Recorder
    private let config: HymbaConfig
    private let rows: Int

    private let attentionMaps: DenseMapCollector?
    private let attentionMass: AttentionMassAccumulator?
    private let attentionStatistics: AttentionRowStatistics?
    /// What the attention kernel reports its rows to (nil when nothing needs them).
    let attentionObserver: AttentionRowObserver?
    private var rawBranchRMS: (attention: [Float], ssm: [Float])?

    init(layer: Int, recorder: Recorder, rows: Int) {
        self.layer = layer
        self.recorder = recorder
        self.config = recorder.config
        self.rows = rows
        let plan = recorder.plan
        attentionMaps = plan.heads(.attnProbs, layer: layer, headCount: config.attentionHeads)
            .map { DenseMapCollector(heads: $0, rows: rows) }
        attentionMass = (plan.wants(.attnMass, layer: layer) || plan.wants(.metaAttnReceived, layer: layer))
            ? AttentionMassAccumulator(heads: config.attentionHeads, metaCount: config.memoryTokens,
                                       firstTokenIsBOS: recorder.firstTokenIsBOS, absolute: false)
            : nil
        attentionStatistics = (plan.wants(.attnEntropy, layer: layer) || plan.wants(.attnDistance, layer: layer))
            ? AttentionRowStatistics(heads: config.attentionHeads, metaCount: config.memoryTokens,
                                     firstTokenIsBOS: recorder.firstTokenIsBOS, absolute: false)
            : nil
        attentionObserver = AttentionObserverGroup.combining([attentionMaps, attentionMass, attentionStatistics])
    }

    func wants(_ point: HookPoint) -> Bool { recorder.plan.wants(point, layer: layer) }

    private func record(_ point: HookPoint, _ tensor: @autoclosure () -> Tensor) {
        if wants(point) { recorder.store(point.key(layer: layer), tensor()) }
    }

    /// Both branch outputs before their norms, with the SSM internals.
    func capture(attentionOut: Matrix, ssm: SSMBranch.Result, gate projected: Matrix, gateColumns: Range<Int>) {
        record(.attnOut, Tensor(attentionOut))
        record(.ssmOut, Tensor(ssm.output))
        if let norms = ssm.scan.stateNorm { record(.ssmStateNorm, Tensor(norms)) }
        if let final = ssm.scan.finalState { record(.ssmFinalState, Tensor(final)) }
        record(.ssmX, Tensor(ssm.scanInput))
        record(.ssmDt, Tensor(ssm.delta))
        record(.ssmB, Tensor(ssm.b))
        record(.ssmC, Tensor(ssm.c))
        record(.ssmGate, Tensor(projected.columns(gateColumns)))
        record(.attnHeadNorm, Self.headNorms(attentionOut, heads: config.attentionHeads))
        record(.ssmHeadNorm, Self.headNorms(ssm.output, heads: config.attentionHeads))
        if wants(.branchRMS) {
            rawBranchRMS = (Self.rowRMS(attentionOut), Self.rowRMS(ssm.output))
        }
        captureSSMAttention(ssm)
    }

    /// The branches after their pre-average norms (for `branch_rms`).
    func capture(normalizedAttention: Matrix, normalizedSSM: Matrix) {
        guard let raw = rawBranchRMS else { return }
        let a = Self.rowRMS(normalizedAttention), s = Self.rowRMS(normalizedSSM)
        var values = [Float](repeating: 0, count: rows * 4)
        for t in 0..<rows {
            values[t * 4 + 0] = raw.attention[t]
            values[t * 4 + 1] = raw.ssm[t]
            values[t * 4 + 2] = a[t]
            values[t * 4 + 3] = s[t]
        }
        recorder.store(HookPoint.branchRMS.key(layer: layer), Tensor(shape: [rows, 4], floats: values))
    }

    /// The residual stream after the layer; also closes the layer's attention reductions.
    func capture(hidden: Matrix) {
        record(.hidden, Tensor(hidden))
        if let maps = attentionMaps { recorder.store(HookPoint.attnProbs.key(layer: layer), maps.tensor) }
        if let mass = attentionMass {
            record(.attnMass, mass.massTensor)
            record(.metaAttnReceived, mass.metaReceivedTensor)
        }
        if let statistics = attentionStatistics {
            record(.attnEntropy, statistics.entropyTensor)
            record(.attnDistance, statistics.distanceTensor)
        }
    }

    private func captureSSMAttention(_ ssm: SSMBranch.Result) {
        let plan = recorder.plan
        let headMaps = plan.heads(.ssmAttn, layer: layer, headCount: config.attentionHeads)
            .map { DenseMapCollector(heads: $0, rows: rows) }
        let mass = wants(.ssmMass)
            ? AttentionMassAccumulator(heads: config.attentionHeads, metaCount: config.memoryTokens,
                                       firstTokenIsBOS: recorder.firstTokenIsBOS, absolute: true)
            : nil
        let channels = wants(.ssmAttnChannels) ? plan.ssmAttentionChannels : []
        let channelMaps = channels.isEmpty ? nil : DenseMapCollector(heads: Array(0..<channels.count), rows: rows)
        let statistics = (wants(.ssmEntropy) || wants(.ssmDistance))
            ? AttentionRowStatistics(heads: config.attentionHeads, metaCount: config.memoryTokens,
                                     firstTokenIsBOS: recorder.firstTokenIsBOS, absolute: true)
            : nil
        let observer = AttentionObserverGroup.combining([headMaps, mass, statistics])
        guard observer != nil || channelMaps != nil else { return }
        SSMImplicitAttention(heads: config.attentionHeads, metaCount: config.memoryTokens)
            .run(delta: ssm.delta, negA: recorder.negA(layer: layer), b: ssm.b, c: ssm.c,
                 headObserver: observer, channels: channels, channelObserver: channelMaps)
        if let headMaps { recorder.store(HookPoint.ssmAttn.key(layer: layer), headMaps.tensor) }
        if let mass { recorder.store(HookPoint.ssmMass.key(layer: layer), mass.massTensor) }
        if let statistics {
            record(.ssmEntropy, statistics.entropyTensor)
            record(.ssmDistance, statistics.distanceTensor)
        }
        if let channelMaps { recorder.store(HookPoint.ssmAttnChannels.key(layer: layer), channelMaps.tensor) }
    }

    /// `[T, H]`: L2 norm of each head's column slice.
    static func headNorms(_ x: Matrix, heads: Int) -> Tensor {
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

    /// Root mean square of each row.
    static func rowRMS(_ x: Matrix) -> [Float] {
        (0..<x.rows).map { t in
            var sum: Double = 0
            for k in 0..<x.cols { let v = Double(x[t, k]); sum += v * v }
            return Float((sum / Double(max(1, x.cols))).squareRoot())
        }
    }
}
