import Foundation

/// Direct logit attribution, accumulated layer by layer while the forward pass runs.
///
/// The final residual of real row t is a sum of what each component wrote into it (the model
/// has no biases, so there is no other term):
/// ```
/// x_t = E[id_t] + Σ_i ( out_proj_i · m_i[t] + mlp_i[t] )
/// m_i[t] = ( w1 ⊙ A[t] / ρ_A[t] + w2 ⊙ S[t] / ρ_S[t] ) / 2        ρ[t] = sqrt(mean_k x[t,k]² + eps)
/// logit[t, y] = (g ⊙ x_t / r_t) · U[y]                             r_t = sqrt(mean_j x_t[j]² + eps)
/// ```
/// With r_t (and each branch's ρ) held at its value in the run, the logit is linear in the
/// components, so with `u_t = g ⊙ U[y_t] / r_t` a component c contributes `c · u_t`:
/// ```
/// embed_dla[t]       = E[id_t] · u_t
/// attn_dla[t, h]     = ½ Σ_{k ∈ slice h} (out_projᵀ u_t)[k] · w1[k] · A[t, k] / ρ_A[t]
/// ssm_dla[t, h]      = ½ Σ_{k ∈ slice h} (out_projᵀ u_t)[k] · w2[k] · S[t, k] / ρ_S[t]
/// mlp_dla[t]         = (x after the layer − x before its MLP)[t] · u_t
/// embed + Σ attn + Σ ssm + Σ mlp = logit[t, y_t]
/// ```
/// Head h's slice is channels `h·dv ..< (h+1)·dv`, as the head ablations use. The target y_t is
/// the next prompt token at rows 0…n−2 and, at the last row, `lastTarget` or else the model's
/// top prediction — known only after the last layer, so that row's per-layer vectors wait
/// (2E + D floats a layer) while every other row is reduced as soon as its layer runs. r_t,
/// too, is known only at the end: sums are kept without it and divided once.
final class LogitAttribution {
    private let config: HymbaConfig
    private let weights: HymbaWeights
    private let ids: [Int]
    /// One target per real row; the last is nil until `finish` when the caller gave none.
    private var targets: [Int?]
    /// `(n, D)`: g ⊙ U[y_t], zero on a row whose target is not known yet.
    private var directions: Matrix
    /// Sums without the 1 / r_t factor: `[n]`, and per layer `[n·H]`, `[n·H]`, `[n]`.
    private var embed: [Float]
    private var attention: [Int: [Float]] = [:]
    private var ssm: [Int: [Float]] = [:]
    private var mlp: [Int: [Float]] = [:]
    /// The last row's vectors while its target is unknown: ½ w ⊙ A / ρ (E), the MLP output (D).
    private var pendingAttention: [Int: [Float]] = [:]
    private var pendingSSM: [Int: [Float]] = [:]
    private var pendingMLP: [Int: [Float]] = [:]
    /// The residual before the MLP, real rows, between the two captures of one layer.
    private var beforeMLP: Matrix?

    private var n: Int { ids.count }
    private var lastIsPending: Bool { targets[n - 1] == nil }

    init(config: HymbaConfig, weights: HymbaWeights, ids: [Int], lastTarget: Int?) {
        precondition(!ids.isEmpty)
        self.config = config
        self.weights = weights
        self.ids = ids
        targets = ids.indices.map { $0 + 1 < ids.count ? ids[$0 + 1] : lastTarget }
        let d = config.hiddenSize
        directions = Matrix(rows: ids.count, cols: d)
        embed = [Float](repeating: 0, count: ids.count)
        for (t, target) in targets.enumerated() {
            if let target { setDirection(row: t, target: target) }
        }
        for t in 0..<n where targets[t] != nil {
            embed[t] = dot(weights.embedding.storage, ids[t] * d, directions.storage, t * d, count: d)
        }
    }

    /// Both branch outputs of `layer` over the real rows `(n, E)`, before the average overwrites
    /// them; a branch the layer drops (an ablation) contributes 0.
    func addBranches(layer: Int, attention a: MatrixView, ssm s: MatrixView, keepAttention: Bool, keepSSM: Bool) {
        let e = config.innerSize, eps = config.rmsNormEps
        let outProj = weights.layers[layer].outProj                                  // (D, E)
        var projected = Matrix(rows: n, cols: e)                                     // u_t · out_proj
        directions.storage.withUnsafeBufferPointer { dp in
            outProj.storage.withUnsafeBufferPointer { wp in
                projected.storage.withUnsafeMutableBufferPointer { pp in
                    BLAS.sgemm(transA: false, transB: false, m: n, n: e, k: config.hiddenSize,
                               a: dp.baseAddress!, lda: config.hiddenSize, b: wp.baseAddress!, ldb: e,
                               c: pp.baseAddress!, ldc: e)
                }
            }
        }
        attention[layer] = headSums(a, norm: weights.layers[layer].attentionNorm, keep: keepAttention, eps: eps,
                                    projected: projected, pending: &pendingAttention[layer])
        ssm[layer] = headSums(s, norm: weights.layers[layer].ssmNorm, keep: keepSSM, eps: eps,
                              projected: projected, pending: &pendingSSM[layer])
    }

    /// `[n·H]`: ½ Σ_{k∈h} projected[t,k] · w[k] · x[t,k] / ρ[t]; the last row's ½ w ⊙ x / ρ into
    /// `pending` while its target is unknown.
    private func headSums(_ x: MatrixView, norm w: [Float], keep: Bool, eps: Float, projected: Matrix,
                          pending: inout [Float]?) -> [Float] {
        let heads = config.attentionHeads, e = x.cols, width = e / heads
        var out = [Float](repeating: 0, count: n * heads)
        guard keep else {
            if lastIsPending { pending = [Float](repeating: 0, count: e) }
            return out
        }
        for t in 0..<n {
            let row = x.row(t)
            var squares = 0.0
            for k in 0..<e { squares += Double(row[k]) * Double(row[k]) }
            let inverse = 1 / (squares / Double(e) + Double(eps)).squareRoot()
            if t == n - 1 && lastIsPending {
                pending = (0..<e).map { Float(0.5 * Double(w[$0]) * Double(row[$0]) * inverse) }
                continue
            }
            for h in 0..<heads {
                var sum = 0.0
                for k in (h * width)..<((h + 1) * width) {
                    sum += Double(projected[t, k]) * Double(w[k]) * Double(row[k])
                }
                out[t * heads + h] = Float(0.5 * sum * inverse)
            }
        }
        return out
    }

    /// The residual after out_proj and before the MLP, real rows `(n, D)`.
    func addResidualBeforeMLP(_ x: MatrixView) { beforeMLP = x.matrix }

    /// The residual after the layer, real rows `(n, D)`: the MLP's output is the difference.
    func addResidualAfterMLP(layer: Int, _ x: MatrixView) {
        guard let before = beforeMLP else { return }
        beforeMLP = nil
        let d = config.hiddenSize
        var sums = [Float](repeating: 0, count: n)
        for t in 0..<n {
            let row = x.row(t)
            if t == n - 1 && lastIsPending {
                pendingMLP[layer] = (0..<d).map { row[$0] - before[t, $0] }
                continue
            }
            var sum = 0.0
            for j in 0..<d { sum += Double(row[j] - before[t, j]) * Double(directions[t, j]) }
            sums[t] = Float(sum)
        }
        mlp[layer] = sums
    }

    /// Resolves the last row's target (the top logit of the final residual when none was given),
    /// reduces the waiting vectors, applies 1 / r_t and returns the tensors `plan` asks for.
    func finish(finalResidual x: MatrixView, plan: RecordingPlan) -> [(String, Tensor)] {
        let d = config.hiddenSize, heads = config.attentionHeads, last = n - 1
        if lastIsPending {
            let readout = BLAS.linear(rmsNorm(x.rows(last..<n).matrix, weight: weights.finalNorm, eps: config.rmsNormEps),
                                      weights.lmHead)
            var best = 0
            for v in 0..<readout.cols where readout[0, v] > readout[0, best] { best = v }
            targets[last] = best
            setDirection(row: last, target: best)
            let u = directions.row(last)
            embed[last] = dot(weights.embedding.storage, ids[last] * d, u, 0, count: d)
            for (layer, vector) in pendingMLP { mlp[layer]![last] = dot(vector, 0, u, 0, count: d) }
            for layer in Set(pendingAttention.keys).union(pendingSSM.keys) {
                let projected = (0..<config.innerSize).map { k in
                    var sum = 0.0
                    for j in 0..<d { sum += Double(u[j]) * Double(weights.layers[layer].outProj[j, k]) }
                    return sum
                }
                let width = config.innerSize / heads
                func reduce(_ vector: [Float]) -> [Float] {
                    (0..<heads).map { h in
                        var sum = 0.0
                        for k in (h * width)..<((h + 1) * width) { sum += projected[k] * Double(vector[k]) }
                        return Float(sum)
                    }
                }
                if let vector = pendingAttention[layer] {
                    for (h, value) in reduce(vector).enumerated() { attention[layer]![last * heads + h] = value }
                }
                if let vector = pendingSSM[layer] {
                    for (h, value) in reduce(vector).enumerated() { ssm[layer]![last * heads + h] = value }
                }
            }
        }
        // 1 / r_t, with the final norm's eps.
        let scale: [Float] = (0..<n).map { t in
            let row = x.row(t)
            var squares = 0.0
            for j in 0..<d { squares += Double(row[j]) * Double(row[j]) }
            return Float(1 / (squares / Double(d) + Double(config.rmsNormEps)).squareRoot())
        }
        func scaled(_ values: [Float], perRow: Int) -> [Float] {
            values.indices.map { values[$0] * scale[$0 / perRow] }
        }
        var out: [(String, Tensor)] = []
        if plan.wants(.embedDLA) { out.append((ModelKey.embedDLA.rawValue, Tensor(shape: [n], floats: scaled(embed, perRow: 1)))) }
        if plan.wants(.dlaTarget) {
            out.append((ModelKey.dlaTarget.rawValue, Tensor(shape: [n], integers: targets.map { Int64($0!) })))
        }
        for layer in 0..<config.hiddenLayers {
            if let values = attention[layer], plan.wants(.attnDLA, layer: layer) {
                out.append((HookPoint.attnDLA.key(layer: layer), Tensor(shape: [n, heads], floats: scaled(values, perRow: heads))))
            }
            if let values = ssm[layer], plan.wants(.ssmDLA, layer: layer) {
                out.append((HookPoint.ssmDLA.key(layer: layer), Tensor(shape: [n, heads], floats: scaled(values, perRow: heads))))
            }
            if let values = mlp[layer], plan.wants(.mlpDLA, layer: layer) {
                out.append((HookPoint.mlpDLA.key(layer: layer), Tensor(shape: [n], floats: scaled(values, perRow: 1))))
            }
        }
        return out
    }

    private func setDirection(row t: Int, target: Int) {
        let d = config.hiddenSize, unembedding = weights.lmHead
        for j in 0..<d { directions[t, j] = weights.finalNorm[j] * unembedding[target, j] }
    }

    private func dot(_ a: [Float], _ aStart: Int, _ b: [Float], _ bStart: Int, count: Int) -> Float {
        var sum = 0.0
        for j in 0..<count { sum += Double(a[aStart + j]) * Double(b[bStart + j]) }
        return Float(sum)
    }
}
