import Foundation

/// Direct logit attribution of one prompt: how much each component wrote, straight into the
/// residual stream, towards the logit of each row's target (the recording's `embed_dla`,
/// `layers.{i}.attn_dla`, `ssm_dla`, `mlp_dla`, `dla_target`; formulas in `LogitAttribution`).
///
/// ```
/// logit[t, y_t] = embed[t] + Σ_i ( Σ_h attention[i][t][h] + Σ_h ssm[i][t][h] + mlp[i][t] )
/// ```
public struct DirectLogitAttribution: Sendable {
    public let ids: [Int]
    /// y_t: the next token at rows 0…n−2; the given target or the top prediction at the last row.
    public let targets: [Int]
    public let embed: [Double]
    /// `[layer][row][head]`.
    public let attention: [[[Double]]]
    public let ssm: [[[Double]]]
    /// `[layer][row]`.
    public let mlp: [[Double]]

    public var layers: Int { mlp.count }
    public var heads: Int { attention.first?.first?.count ?? 0 }

    /// Runs the prompt once, recording only the attribution.
    ///
    /// - Parameter target: the token the last row is explained for (nil: the top prediction).
    public static func record(model: HymbaModel, ids: [Int], target: Int? = nil) throws -> DirectLogitAttribution {
        try model.validate(ids: ids)
        if let target, !(0..<model.config.vocabSize).contains(target) {
            throw LensError.targetOutOfRange(id: target, vocabularySize: model.config.vocabSize)
        }
        let plan = try RecordingPlan("embed_dla,attn_dla,ssm_dla,mlp_dla,dla_target", config: model.config)
        let recorder = model.makeRecorder(plan: plan)
        recorder.attributionTarget = target
        _ = try model.forward(ids: ids, recorder: recorder, logitRows: .last)
        let tensors = Dictionary(uniqueKeysWithValues: recorder.tensors.map { ($0.name, $0.tensor) })
        let n = ids.count, h = model.config.attentionHeads, layers = 0..<model.config.hiddenLayers
        func perHead(_ point: HookPoint, _ layer: Int) -> [[Double]] {
            let values = tensors[point.key(layer: layer)]!.floats
            return (0..<n).map { t in (0..<h).map { Double(values[t * h + $0]) } }
        }
        return DirectLogitAttribution(
            ids: ids, targets: tensors[ModelKey.dlaTarget.rawValue]!.floats.map { Int($0) },
            embed: tensors[ModelKey.embedDLA.rawValue]!.floats.map(Double.init),
            attention: layers.map { perHead(.attnDLA, $0) }, ssm: layers.map { perHead(.ssmDLA, $0) },
            mlp: layers.map { tensors[HookPoint.mlpDLA.key(layer: $0)]!.floats.map(Double.init) })
    }

    /// The sum of every term at row `t`: the target's logit there.
    public func total(row t: Int) -> Double {
        var sum = embed[t]
        for i in 0..<layers { sum += attention[i][t].reduce(0, +) + ssm[i][t].reduce(0, +) + mlp[i][t] }
        return sum
    }

    /// The terms summed over `rows`, for a mean over rows and prompts.
    public func sums(rows: [Int]) -> Sums {
        var out = Sums(layers: layers, heads: heads)
        for t in rows {
            out.rows += 1
            out.embed += embed[t]
            out.logit += total(row: t)
            for i in 0..<layers {
                out.mlp[i] += mlp[i][t]
                for h in 0..<heads {
                    out.attention[i][h] += attention[i][t][h]
                    out.ssm[i][h] += ssm[i][t][h]
                }
            }
        }
        return out
    }

    /// Running sums of every term over rows (of one or many prompts); `mean` divides by `rows`.
    public struct Sums: Sendable, Equatable {
        public var rows = 0
        public var embed = 0.0
        public var logit = 0.0
        /// `[layer][head]`.
        public var attention: [[Double]]
        public var ssm: [[Double]]
        public var mlp: [Double]

        public init(layers: Int, heads: Int) {
            attention = Array(repeating: Array(repeating: 0, count: heads), count: layers)
            ssm = attention
            mlp = Array(repeating: 0, count: layers)
        }

        public mutating func add(_ other: Sums) {
            rows += other.rows
            embed += other.embed
            logit += other.logit
            for i in mlp.indices {
                mlp[i] += other.mlp[i]
                for h in attention[i].indices {
                    attention[i][h] += other.attention[i][h]
                    ssm[i][h] += other.ssm[i][h]
                }
            }
        }

        /// Every sum divided by the number of rows.
        public var mean: Sums {
            let scale = 1 / Double(max(1, rows))
            var out = self
            out.embed *= scale
            out.logit *= scale
            out.mlp = mlp.map { $0 * scale }
            out.attention = attention.map { $0.map { $0 * scale } }
            out.ssm = ssm.map { $0.map { $0 * scale } }
            return out
        }
    }
}
