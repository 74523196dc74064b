import CKernels

/// The block's gated MLP with its pre-norm and residual:
///
/// ```
/// h = RMSNorm(X);   X += (silu(h · gateᵀ) ⊙ (h · upᵀ)) · downᵀ
/// ```
/// gate and up are one stacked sgemm; the down projection accumulates straight into `X`.
/// Rows go through in chunks of `rowsPerChunk`, so the (rows, 2F) intermediate stays bounded
/// for long prompts (each row is independent; the result is the same).
func applyGatedMLP(_ x: MatrixView, weights: LayerWeights, eps: Float, workspace: ForwardWorkspace) {
    let rowsPerChunk = 512
    let f = weights.downProj.cols, d = x.cols
    for start in stride(from: 0, to: x.rows, by: rowsPerChunk) {
        let chunk = x.rows(start..<min(x.rows, start + rowsPerChunk))
        let h = workspace.view(.mlpNormed, rows: chunk.rows, cols: d)
        rmsNorm(chunk, weight: weights.mlpNorm, eps: eps, into: h)
        let gateUp = workspace.view(.mlpGateUp, rows: chunk.rows, cols: 2 * f)      // [gate | up]
        BLAS.linear(h, weights.gateUp, into: gateUp)
        // up ← silu(gate) ⊙ up in place; the down projection then reads it as a strided (rows, F) view.
        let gate = gateUp.columns(0..<f), up = gateUp.columns(f..<(2 * f))
        ParallelRows.forEachChunk(rows: chunk.rows, floatsPerRow: f) { range in
            hl_multiply_by_silu(KernelLevel.best, up.row(range.lowerBound), Int32(up.stride),
                                gate.row(range.lowerBound), Int32(gate.stride), Int32(range.count), Int32(f))
        }
        BLAS.linear(up, weights.downProj, into: chunk, beta: 1)
    }
}
