/// One Hymba decoder layer: attention heads ‖ SSM heads on the same normalised input, each
/// branch RMS-normalised, averaged, projected back to the residual stream, then the MLP.
/// (Algorithm 1 of the Hymba paper; SEMANTICS.md §3.)
struct HybridBlock {
    let index: Int
    let weights: LayerWeights
    let config: HymbaConfig

    /// Post-RoPE keys `(T, Hkv·hd)` and values `(T, Hkv·vd)` a producer layer hands to its consumers.
    struct KeyValues: @unchecked Sendable {
        let keys: Matrix
        let values: Matrix
    }

    /// Everything a layer needs besides its weights and the residual stream.
    struct Context {
        /// RoPE tables covering all T positions (nil when the model has no RoPE).
        var rope: RotaryEmbedding?
        /// Absolute row of `x`'s first row: 0 on the full path, M when `x` holds only the real
        /// rows and the meta rows come from `prefix`.
        var firstRow = 0
        /// The producer's K/V over all rows up to the last, when this layer is a consumer.
        var sharedKV: KeyValues?
        /// The meta rows' state, on the real-rows-only path.
        var prefix: MetaPrefix.Layer?
        var probe: LayerProbe?
        var ablations: [Ablation.Target] = []
        /// Also return this layer's contribution to a `MetaPrefix` (when `x` is the meta rows).
        var capturePrefix = false
    }

    struct Output {
        /// The K/V this layer computed over all rows (prefix rows included); nil for a consumer.
        var keyValues: KeyValues?
        var prefix: MetaPrefix.Layer?
    }

    /// Runs the layer on the residual stream `x` in place: `x` holds rows `firstRow ..< T`.
    func apply(_ x: inout Matrix, context: Context) -> Output {
        let (mixed, output) = mixBranches(x, context: context)              // (rows, E)
        BLAS.linear(mixed, weights.outProj, accumulateInto: &x, beta: 1)
        applyGatedMLP(&x, weights: weights, eps: config.rmsNormEps)
        context.probe?.capture(hidden: x)
        return output
    }

    /// `(RMSNorm₁(A_out) + RMSNorm₂(S_out)) / 2` — both branches on the same projected input.
    /// Its own function so the branch intermediates (in_proj output, SSM internals) are released
    /// before the MLP runs.
    private func mixBranches(_ x: Matrix, context: Context) -> (Matrix, Output) {
        let eps = config.rmsNormEps, probe = context.probe, ablations = context.ablations
        var projected = BLAS.linear(rmsNorm(x, weight: weights.inputNorm, eps: eps), weights.inProj)   // (rows, width)
        let split = InProjSplit(config: config, computesKV: context.sharedKV == nil)

        let ownKV = rotateAndExtractKV(&projected, split: split, context: context)
        let kv = context.sharedKV ?? ownKV!
        var attentionOut = attend(projected, split: split, kv: kv, context: context)   // (rows, H·vd)
        var ssm = projected.storage.withUnsafeBufferPointer { p in
            SSMBranch(weights: weights, config: config).run(
                xs: p.baseAddress! + split.xs.lowerBound, z: p.baseAddress! + split.z.lowerBound,
                stride: projected.cols, rows: x.rows, prefix: context.prefix,
                recordStateNorm: probe?.wants(.ssmStateNorm) ?? false,
                recordFinalState: context.capturePrefix || (probe?.wants(.ssmFinalState) ?? false))
        }
        let prefix = context.capturePrefix ? capturedPrefix(projected, split: split, ssm: ssm, ownKV: ownKV) : nil
        for case .attentionHead(let h) in ablations { zeroHead(h, of: &attentionOut) }
        for case .ssmHead(let h) in ablations { zeroHead(h, of: &ssm.output) }
        probe?.capture(attentionOut: attentionOut, ssm: ssm, gate: projected, gateColumns: split.z)

        var fused = rmsNorm(attentionOut, weight: weights.attentionNorm, eps: eps)
        var ssmNormed = rmsNorm(ssm.output, weight: weights.ssmNorm, eps: eps)
        probe?.capture(normalizedAttention: fused, normalizedSSM: ssmNormed)
        if ablations.contains(.attentionBranch) { fused = Matrix(rows: fused.rows, cols: fused.cols) }
        if ablations.contains(.ssmBranch) { ssmNormed = Matrix(rows: ssmNormed.rows, cols: ssmNormed.cols) }
        fused.storage.withUnsafeMutableBufferPointer { f in
            ssmNormed.storage.withUnsafeBufferPointer { s in
                for i in 0..<f.count { f[i] = (f[i] + s[i]) / 2 }
            }
        }
        return (fused, Output(keyValues: ownKV, prefix: prefix))
    }

    /// The meta rows' K/V, conv tail and final SSM state, for `MetaPrefix`.
    private func capturedPrefix(_ projected: Matrix, split: InProjSplit, ssm: SSMBranch.Result, ownKV: KeyValues?) -> MetaPrefix.Layer {
        let e = config.innerSize, history = config.convWidth - 1, rows = projected.rows
        var tail = Matrix(rows: history, cols: e)
        for k in 0..<history {
            let source = rows - history + k
            guard source >= 0 else { continue }
            for c in 0..<e { tail[k, c] = projected[source, split.xs.lowerBound + c] }
        }
        let final = ssm.scan.finalState!                                     // (E, N)
        var state = Matrix(rows: final.cols, cols: e)                         // (N, E)
        for c in 0..<e { for n in 0..<final.cols { state[n, c] = final[c, n] } }
        return MetaPrefix.Layer(keyValues: ownKV, convHistory: tail, ssmState: state)
    }

    /// Zeroes head `h`'s channel slice (`h·dv ..< (h+1)·dv`) of a branch output.
    private func zeroHead(_ h: Int, of branch: inout Matrix) {
        let width = config.valueHeadDim
        for t in 0..<branch.rows {
            for k in 0..<width { branch[t, h * width + k] = 0 }
        }
    }

    /// RoPE on the queries (in place) and, for a K/V-computing layer, on a copy of its keys,
    /// appended to the meta rows' K/V on the real-rows-only path.
    private func rotateAndExtractKV(_ projected: inout Matrix, split: InProjSplit, context: Context) -> KeyValues? {
        let rows = projected.rows, width = projected.cols
        let hd = config.headDim, vd = config.valueHeadDim, hkv = config.keyValueHeads
        let before = context.prefix?.keyValues
        let offset = before?.keys.rows ?? 0
        return projected.storage.withUnsafeMutableBufferPointer { pp -> KeyValues? in
            let p = pp.baseAddress!
            context.rope?.apply(to: p + split.q.lowerBound, rows: rows, stride: width,
                                heads: config.attentionHeads, firstPosition: context.firstRow)
            guard let kRange = split.k, let vRange = split.v else { return nil }
            var keys = Matrix(rows: offset + rows, cols: hkv * hd)
            var values = Matrix(rows: offset + rows, cols: hkv * vd)
            keys.storage.withUnsafeMutableBufferPointer { kp in
                values.storage.withUnsafeMutableBufferPointer { vp in
                    if let before {
                        before.keys.storage.withUnsafeBufferPointer { kp.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
                        before.values.storage.withUnsafeBufferPointer { vp.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
                    }
                    for t in 0..<rows {
                        (kp.baseAddress! + (offset + t) * kRange.count).update(from: p + t * width + kRange.lowerBound, count: kRange.count)
                        (vp.baseAddress! + (offset + t) * vRange.count).update(from: p + t * width + vRange.lowerBound, count: vRange.count)
                    }
                    context.rope?.apply(to: kp.baseAddress! + offset * kRange.count, rows: rows, stride: kRange.count,
                                        heads: hkv, firstPosition: context.firstRow)
                }
            }
            return KeyValues(keys: keys, values: values)
        }
    }

    private func attend(_ projected: Matrix, split: InProjSplit, kv: KeyValues, context: Context) -> Matrix {
        let rows = projected.rows
        var out = Matrix(rows: rows, cols: config.attentionHeads * config.valueHeadDim)
        let heads = AttentionHeads(heads: config.attentionHeads, kvHeads: config.keyValueHeads,
                                   headDim: config.headDim, valueDim: config.valueHeadDim,
                                   mask: AttentionMask(config: config, layer: index))
        projected.storage.withUnsafeBufferPointer { p in
            kv.keys.storage.withUnsafeBufferPointer { k in
                kv.values.storage.withUnsafeBufferPointer { v in
                    out.storage.withUnsafeMutableBufferPointer { o in
                        heads.run(queryRows: context.firstRow..<(context.firstRow + rows),
                                  queries: p.baseAddress! + split.q.lowerBound, queryStride: projected.cols,
                                  keys: k.baseAddress!, keyStride: kv.keys.cols,
                                  values: v.baseAddress!, valueStride: kv.values.cols,
                                  output: o.baseAddress!, observer: context.probe?.attentionObserver)
                    }
                }
            }
        }
        return out
    }
}

/// Column ranges of the `in_proj` output: `[q | k | v | xs | z]`, or `[q | xs | z]` for a
/// layer that reuses another layer's K/V (SEMANTICS.md §3.2).
struct InProjSplit {
    let q: Range<Int>
    let k: Range<Int>?
    let v: Range<Int>?
    let xs: Range<Int>
    let z: Range<Int>

    init(config: HymbaConfig, computesKV: Bool) {
        let d = config.hiddenSize, e = config.innerSize
        let kWidth = config.keyValueHeads * config.headDim, vWidth = config.keyValueHeads * config.valueHeadDim
        q = 0..<d
        if computesKV {
            k = d..<(d + kWidth)
            v = (d + kWidth)..<(d + kWidth + vWidth)
        } else {
            k = nil
            v = nil
        }
        let xsStart = computesKV ? d + kWidth + vWidth : d
        xs = xsStart..<(xsStart + e)
        z = (xsStart + e)..<(xsStart + 2 * e)
    }
}
