import CKernels

/// One Hymba decoder layer: attention heads ‖ SSM heads on the same normalised input, each
/// branch RMS-normalised, averaged, projected back to the residual stream, then the MLP.
/// (Algorithm 1 of the Hymba paper; the forward semantics are in docs/probes.md.)
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

    /// Runs the layer on the residual stream `x` (rows `firstRow ..< T`, `(rows, D)`) in place;
    /// intermediates live in `workspace`.
    func apply(_ x: MatrixView, context: Context, workspace: ForwardWorkspace) -> Output {
        let (mixed, output) = mixBranches(x, context: context, workspace: workspace)   // (rows, E)
        BLAS.linear(mixed, weights.outProj, into: x, beta: 1)                         // X += m · out_projᵀ
        applyGatedMLP(x, weights: weights, eps: config.rmsNormEps, workspace: workspace)
        context.probe?.capture(hidden: x)
        return output
    }

    /// `(RMSNorm₁(A_out) + RMSNorm₂(S_out)) / 2` — both branches on the same projected input.
    private func mixBranches(_ x: MatrixView, context: Context, workspace: ForwardWorkspace) -> (MatrixView, Output) {
        let eps = config.rmsNormEps, probe = context.probe, ablations = context.ablations
        let normed = workspace.view(.normedInput, rows: x.rows, cols: x.cols)
        rmsNorm(x, weight: weights.inputNorm, eps: eps, into: normed)
        let split = InProjSplit(config: config, computesKV: context.sharedKV == nil)
        let projected = workspace.view(.projected, rows: x.rows, cols: split.width)
        BLAS.linear(normed, weights.inProj, into: projected)                         // [q | k | v | xs | z]

        let ownKV = rotateAndExtractKV(projected, split: split, context: context)
        let attentionOut = attend(projected.columns(split.q), kv: context.sharedKV ?? ownKV!, context: context,
                                  workspace: workspace)                              // (rows, H·vd)
        let ssm = SSMBranch(weights: weights, config: config).run(
            xs: projected.columns(split.xs), z: projected.columns(split.z), prefix: context.prefix,
            recordStateNorm: probe?.wants(.ssmStateNorm) ?? false,
            recordFinalState: context.capturePrefix || (probe?.wants(.ssmFinalState) ?? false),
            workspace: workspace)                                                    // S_out (rows, E)
        let prefix = context.capturePrefix ? capturedPrefix(xs: projected.columns(split.xs), ssm: ssm, ownKV: ownKV) : nil
        for case .attentionHead(let h) in ablations { zeroHead(h, of: attentionOut) }
        for case .ssmHead(let h) in ablations { zeroHead(h, of: ssm.output) }
        probe?.capture(attentionOut: attentionOut, ssm: ssm, gate: projected.columns(split.z))
        probe?.captureBranchRMS(attention: attentionOut, ssm: ssm.output, attentionNorm: weights.attentionNorm,
                                ssmNorm: weights.ssmNorm, eps: eps)

        // The average, written over A_out: a branch ablation drops that branch after its norm.
        let keepAttention: Int32 = ablations.contains(.attentionBranch) ? 0 : 1
        let keepSSM: Int32 = ablations.contains(.ssmBranch) ? 0 : 1
        let e = attentionOut.cols, ssmOut = ssm.output
        weights.attentionNorm.withUnsafeBufferPointer { wa in
            weights.ssmNorm.withUnsafeBufferPointer { ws in
                let wa = UnsafeSendablePointer(wa.baseAddress!), ws = UnsafeSendablePointer(ws.baseAddress!)
                ParallelRows.forEachChunk(rows: attentionOut.rows, floatsPerRow: 2 * e) { range in
                    let a = attentionOut.rows(range), s = ssmOut.rows(range)
                    hl_mix_branches(KernelLevel.best, a.base, Int32(a.stride), s.base, Int32(s.stride), Int32(range.count),
                                    Int32(e), wa.pointer, ws.pointer, eps, keepAttention, keepSSM, a.base, Int32(a.stride))
                }
            }
        }
        return (attentionOut, Output(keyValues: ownKV, prefix: prefix))
    }

    /// The meta rows' K/V, conv tail and final SSM state, for `MetaPrefix`.
    private func capturedPrefix(xs: MatrixView, ssm: SSMBranch.Result, ownKV: KeyValues?) -> MetaPrefix.Layer {
        let e = config.innerSize, history = config.convWidth - 1, rows = xs.rows
        var tail = Matrix(rows: history, cols: e)
        for k in 0..<history {
            let source = rows - history + k
            guard source >= 0 else { continue }
            for c in 0..<e { tail[k, c] = xs[source, c] }
        }
        let final = ssm.finalState!                                          // (E, N)
        var state = Matrix(rows: final.cols, cols: e)                         // (N, E)
        for c in 0..<e { for n in 0..<final.cols { state[n, c] = final[c, n] } }
        return MetaPrefix.Layer(keyValues: ownKV, convHistory: tail, ssmState: state)
    }

    /// Zeroes head `h`'s channel slice (`h·dv ..< (h+1)·dv`) of a branch output.
    private func zeroHead(_ h: Int, of branch: MatrixView) {
        let width = config.valueHeadDim
        branch.columns((h * width)..<((h + 1) * width)).fill(0)
    }

    /// RoPE on the queries (in place) and, for a K/V-computing layer, on a copy of its keys,
    /// appended to the meta rows' K/V on the real-rows-only path.
    private func rotateAndExtractKV(_ projected: MatrixView, split: InProjSplit, context: Context) -> KeyValues? {
        let rows = projected.rows
        let queries = projected.columns(split.q)
        context.rope?.apply(to: queries.base, rows: rows, stride: queries.stride,
                            heads: config.attentionHeads, firstPosition: context.firstRow)
        guard let kRange = split.k, let vRange = split.v else { return nil }
        let before = context.prefix?.keyValues
        let offset = before?.keys.rows ?? 0
        var keys = Matrix(uninitializedRows: offset + rows, cols: kRange.count)
        var values = Matrix(uninitializedRows: offset + rows, cols: vRange.count)
        keys.withMutableView { k in
            values.withMutableView { v in
                if let before {
                    before.keys.withView { k.rows(0..<offset).copy(from: $0) }
                    before.values.withView { v.rows(0..<offset).copy(from: $0) }
                }
                let newKeys = k.rows(offset..<(offset + rows))
                newKeys.copy(from: projected.columns(kRange))
                v.rows(offset..<(offset + rows)).copy(from: projected.columns(vRange))
                context.rope?.apply(to: newKeys.base, rows: rows, stride: newKeys.stride,
                                    heads: config.keyValueHeads, firstPosition: context.firstRow)
            }
        }
        return KeyValues(keys: keys, values: values)
    }

    private func attend(_ queries: MatrixView, kv: KeyValues, context: Context, workspace: ForwardWorkspace) -> MatrixView {
        let out = workspace.view(.attentionOut, rows: queries.rows, cols: config.attentionHeads * config.valueHeadDim)
        let heads = AttentionHeads(heads: config.attentionHeads, kvHeads: config.keyValueHeads,
                                   headDim: config.headDim, valueDim: config.valueHeadDim,
                                   mask: AttentionMask(config: config, layer: index))
        kv.keys.withView { keys in
            kv.values.withView { values in
                heads.run(queryRows: context.firstRow..<(context.firstRow + queries.rows), queries: queries,
                          keys: keys, values: values, output: out, observer: context.probe?.attentionObserver,
                          workspace: workspace)
            }
        }
        return out
    }
}

/// Column ranges of the `in_proj` output: `[q | k | v | xs | z]`, or `[q | xs | z]` for a
/// layer that reuses another layer's K/V.
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

    /// Columns of the whole in_proj output.
    var width: Int { z.upperBound }
}
