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

    /// Runs the layer on the residual stream `x (T, D)` in place.
    /// - Parameters:
    ///   - sharedKV: the producer's K/V when this layer is a consumer.
    ///   - ablations: components of this layer to zero (see `Ablation`).
    /// - Returns: the K/V this layer computed (nil for a consumer).
    func apply(_ x: inout Matrix, rope: RotaryEmbedding?, sharedKV: KeyValues?, probe: LayerProbe?,
               ablations: [Ablation.Target] = []) -> KeyValues? {
        let eps = config.rmsNormEps
        let h = rmsNorm(x, weight: weights.inputNorm, eps: eps)
        var projected = BLAS.linear(h, weights.inProj)                        // (T, width)
        let split = InProjSplit(config: config, computesKV: sharedKV == nil)

        let ownKV = rotateAndExtractKV(&projected, split: split, rope: rope)
        let kv = sharedKV ?? ownKV!
        var attentionOut = attend(projected, split: split, kv: kv, probe: probe)   // (T, H·vd)
        var ssm = projected.storage.withUnsafeBufferPointer { p in
            SSMBranch(weights: weights, config: config).run(
                xs: p.baseAddress! + split.xs.lowerBound, z: p.baseAddress! + split.z.lowerBound,
                stride: projected.cols, rows: x.rows,
                recordStateNorm: probe?.wants(.ssmStateNorm) ?? false,
                recordFinalState: probe?.wants(.ssmFinalState) ?? false)
        }
        for case .attentionHead(let h) in ablations { zeroHead(h, of: &attentionOut) }
        for case .ssmHead(let h) in ablations { zeroHead(h, of: &ssm.output) }
        probe?.capture(attentionOut: attentionOut, ssm: ssm, gate: projected, gateColumns: split.z)

        var fused = rmsNorm(attentionOut, weight: weights.attentionNorm, eps: eps)
        var ssmNormed = rmsNorm(ssm.output, weight: weights.ssmNorm, eps: eps)
        probe?.capture(normalizedAttention: fused, normalizedSSM: ssmNormed)
        if ablations.contains(.attentionBranch) { fused = Matrix(rows: fused.rows, cols: fused.cols) }
        if ablations.contains(.ssmBranch) { ssmNormed = Matrix(rows: ssmNormed.rows, cols: ssmNormed.cols) }
        for i in 0..<fused.count { fused.storage[i] = (fused.storage[i] + ssmNormed.storage[i]) / 2 }
        BLAS.linear(fused, weights.outProj, accumulateInto: &x, beta: 1)

        applyGatedMLP(&x, weights: weights, eps: eps)
        probe?.capture(hidden: x)
        return ownKV
    }

    /// Zeroes head `h`'s channel slice (`h·dv ..< (h+1)·dv`) of a branch output.
    private func zeroHead(_ h: Int, of branch: inout Matrix) {
        let width = config.valueHeadDim
        for t in 0..<branch.rows {
            for k in 0..<width { branch[t, h * width + k] = 0 }
        }
    }

    /// RoPE on the queries (in place) and, for a K/V-computing layer, on a copy of its keys.
    private func rotateAndExtractKV(_ projected: inout Matrix, split: InProjSplit, rope: RotaryEmbedding?) -> KeyValues? {
        let rows = projected.rows, width = projected.cols
        let hd = config.headDim, vd = config.valueHeadDim, hkv = config.keyValueHeads
        return projected.storage.withUnsafeMutableBufferPointer { pp -> KeyValues? in
            let p = pp.baseAddress!
            rope?.apply(to: p + split.q.lowerBound, rows: rows, stride: width, heads: config.attentionHeads)
            guard let kRange = split.k, let vRange = split.v else { return nil }
            var keys = Matrix(rows: rows, cols: hkv * hd)
            var values = Matrix(rows: rows, cols: hkv * vd)
            keys.storage.withUnsafeMutableBufferPointer { kp in
                values.storage.withUnsafeMutableBufferPointer { vp in
                    for t in 0..<rows {
                        (kp.baseAddress! + t * kRange.count).update(from: p + t * width + kRange.lowerBound, count: kRange.count)
                        (vp.baseAddress! + t * vRange.count).update(from: p + t * width + vRange.lowerBound, count: vRange.count)
                    }
                    rope?.apply(to: kp.baseAddress!, rows: rows, stride: kRange.count, heads: hkv)
                }
            }
            return KeyValues(keys: keys, values: values)
        }
    }

    private func attend(_ projected: Matrix, split: InProjSplit, kv: KeyValues, probe: LayerProbe?) -> Matrix {
        let rows = projected.rows
        var out = Matrix(rows: rows, cols: config.attentionHeads * config.valueHeadDim)
        let heads = AttentionHeads(heads: config.attentionHeads, kvHeads: config.keyValueHeads,
                                   headDim: config.headDim, valueDim: config.valueHeadDim,
                                   mask: AttentionMask(config: config, layer: index))
        projected.storage.withUnsafeBufferPointer { p in
            kv.keys.storage.withUnsafeBufferPointer { k in
                kv.values.storage.withUnsafeBufferPointer { v in
                    out.storage.withUnsafeMutableBufferPointer { o in
                        heads.run(rows: rows,
                                  queries: p.baseAddress! + split.q.lowerBound, queryStride: projected.cols,
                                  keys: k.baseAddress!, keyStride: kv.keys.cols,
                                  values: v.baseAddress!, valueStride: kv.values.cols,
                                  output: o.baseAddress!, observer: probe?.attentionObserver)
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
