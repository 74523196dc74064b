import CKernels

/// The SSM (Mamba) half of a hybrid block, from its slice of `in_proj` to the gated output:
///
/// ```
/// u = silu(causal_conv(xs))                         (T, E)   ssm_x
/// (dt0, B0, C0) = u · x_projᵀ split [R, N, N]
/// Δ = softplus(RMSNorm(dt0) · dt_projᵀ + dt_bias)    (T, E)   ssm_dt
/// B, C = RMSNorm(B0), RMSNorm(C0)                    (T, N)   ssm_B, ssm_C
/// S_out = selective_scan(u, Δ, A, B, C, D) ⊙ silu(z) (T, E)   ssm_out
/// ```
struct SSMBranch {
    let weights: LayerWeights
    let config: HymbaConfig

    /// Everything the branch computed that a probe may want, as views into the workspace;
    /// `output` is `S_out`.
    struct Result {
        var output: MatrixView          // (T, E)
        var scanInput: MatrixView       // (T, E) u
        var delta: MatrixView           // (T, E) Δ
        var b: MatrixView               // (T, N)
        var c: MatrixView               // (T, N)
        var stateNorms: MatrixView?     // (T, E)
        var finalState: MatrixView?     // (E, N)
    }

    /// - Parameters:
    ///   - xs, z: the column slices of the in_proj output.
    ///   - state: the conv inputs and SSM state of the rows before `xs`'s first (nil: none).
    func run(xs: MatrixView, z: MatrixView, state: LayerState? = nil, recordStateNorm: Bool, recordFinalState: Bool,
             workspace: ForwardWorkspace) -> Result {
        let rows = xs.rows, e = config.innerSize, n = config.stateSize, r = config.dtRank, eps = config.rmsNormEps
        let u = workspace.view(.ssmInput, rows: rows, cols: e)
        causalConvSiLU(xs, history: state?.convHistory, weight: weights.convWeight, bias: weights.convBias, into: u)
        let projected = workspace.view(.ssmProjection, rows: rows, cols: r + 2 * n)        // [dt0 | B0 | C0]
        BLAS.linear(u, weights.xProj, into: projected)
        let dtLow = workspace.view(.dtLow, rows: rows, cols: r)
        let b = workspace.view(.ssmB, rows: rows, cols: n), c = workspace.view(.ssmC, rows: rows, cols: n)
        rmsNorm(projected.columns(0..<r), weight: weights.dtNorm, eps: eps, into: dtLow)
        rmsNorm(projected.columns(r..<(r + n)), weight: weights.bNorm, eps: eps, into: b)
        rmsNorm(projected.columns((r + n)..<(r + 2 * n)), weight: weights.cNorm, eps: eps, into: c)
        // The dt bias goes inside the softplus, after the projection (not as a Linear bias).
        let delta = workspace.view(.delta, rows: rows, cols: e)
        BLAS.linear(dtLow, weights.dtProj, into: delta)
        weights.dtBias.withUnsafeBufferPointer { bias in
            let bias = UnsafeSendablePointer(bias.baseAddress!)
            ParallelRows.forEachChunk(rows: rows, floatsPerRow: e) { range in
                hl_softplus_with_bias(KernelLevel.best, delta.row(range.lowerBound), Int32(range.count), Int32(e),
                                      Int32(delta.stride), bias.pointer)
            }
        }
        var result = Result(output: workspace.view(.ssmOut, rows: rows, cols: e), scanInput: u, delta: delta, b: b, c: c)
        if recordStateNorm { result.stateNorms = workspace.view(.stateNorms, rows: rows, cols: e) }
        if recordFinalState { result.finalState = workspace.view(.finalState, rows: e, cols: n) }
        SelectiveScan.run(u: u, delta: delta, negA: weights.negAByState, b: b, c: c, skip: weights.skipD,
                          initialState: state?.ssmState, gate: z, into: result.output,
                          extras: .init(stateNorms: result.stateNorms, finalState: result.finalState))
        return result
    }
}
