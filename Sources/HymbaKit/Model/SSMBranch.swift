/// The SSM (Mamba) half of a hybrid block, from its slice of `in_proj` to the gated output:
///
/// ```
/// u = silu(causal_conv(xs))                         (T, E)   ssm_x
/// (dt0, B0, C0) = u · x_projᵀ split [R, N, N]
/// Δ = softplus(RMSNorm(dt0) · dt_projᵀ + dt_bias)    (T, E)   ssm_dt
/// B, C = RMSNorm(B0), RMSNorm(C0)                    (T, N)   ssm_B, ssm_C
/// y = selective_scan(u, Δ, A, B, C, D)               (T, E)
/// S_out = y ⊙ silu(z)                                (T, E)   ssm_out
/// ```
struct SSMBranch {
    let weights: LayerWeights
    let config: HymbaConfig

    /// Everything the branch computed that a probe may want; `output` is `S_out`.
    struct Result {
        var output: Matrix          // (T, E)
        var scanInput: Matrix       // (T, E) u
        var delta: Matrix           // (T, E) Δ
        var b: Matrix               // (T, N)
        var c: Matrix               // (T, N)
        var scan: SelectiveScan.Output
    }

    /// - Parameters:
    ///   - xs, z: row `t` at `base + t * stride` (column slices of the in_proj output).
    ///   - prefix: the meta rows' conv inputs and SSM state when only the real rows are passed.
    func run(xs: UnsafePointer<Float>, z: UnsafePointer<Float>, stride: Int, rows: Int,
             prefix: MetaPrefix.Layer? = nil, recordStateNorm: Bool, recordFinalState: Bool) -> Result {
        let e = config.innerSize, n = config.stateSize, r = config.dtRank, eps = config.rmsNormEps
        let u = causalConvSiLU(input: xs, inputStride: stride, rows: rows, history: prefix?.convHistory,
                               weight: weights.convWeight, bias: weights.convBias)
        let projected = BLAS.linear(u, weights.xProj)                 // (T, R + 2N)
        var dtLow = Matrix(rows: rows, cols: r)
        var b = Matrix(rows: rows, cols: n)
        var c = Matrix(rows: rows, cols: n)
        projected.storage.withUnsafeBufferPointer { pp in
            let p = pp.baseAddress!, width = projected.cols
            dtLow.storage.withUnsafeMutableBufferPointer {
                rmsNorm(p, inputStride: width, rows: rows, cols: r, weight: weights.dtNorm, eps: eps,
                        output: $0.baseAddress!, outputStride: r)
            }
            b.storage.withUnsafeMutableBufferPointer {
                rmsNorm(p + r, inputStride: width, rows: rows, cols: n, weight: weights.bNorm, eps: eps,
                        output: $0.baseAddress!, outputStride: n)
            }
            c.storage.withUnsafeMutableBufferPointer {
                rmsNorm(p + r + n, inputStride: width, rows: rows, cols: n, weight: weights.cNorm, eps: eps,
                        output: $0.baseAddress!, outputStride: n)
            }
        }
        // The dt bias goes inside the softplus, after the projection (not as a Linear bias):
        // Δ starts as the bias in every row and the projection accumulates onto it.
        var delta = Matrix(rows: rows, cols: e)                       // (T, E)
        delta.storage.withUnsafeMutableBufferPointer { dp in
            weights.dtBias.withUnsafeBufferPointer { bias in
                for t in 0..<rows { (dp.baseAddress! + t * e).update(from: bias.baseAddress!, count: e) }
            }
        }
        BLAS.linear(dtLow, weights.dtProj, accumulateInto: &delta, beta: 1)
        delta.storage.withUnsafeMutableBufferPointer { VectorMath.softplusInPlace($0.baseAddress!, count: rows * e) }
        var scan = SelectiveScan.run(u: u, delta: delta, negA: weights.negAByState, b: b, c: c,
                                     skip: weights.skipD, initialState: prefix?.ssmState,
                                     recordStateNorm: recordStateNorm,
                                     recordFinalState: recordFinalState)
        var output = scan.y
        scan.y = Matrix(rows: 0, cols: e)          // drop the second reference: the gate runs in place
        output.storage.withUnsafeMutableBufferPointer { op in
            VectorMath.multiplyBySiLU(op.baseAddress!, stride: e, gate: z, gateStride: stride, rows: rows, cols: e)
        }
        return Result(output: output, scanInput: u, delta: delta, b: b, c: c, scan: scan)
    }
}
