/// The block's gated MLP with its pre-norm and residual:
///
/// ```
/// h = RMSNorm(X);   X += (silu(h · gateᵀ) ⊙ (h · upᵀ)) · downᵀ
/// ```
/// gate and up are one stacked sgemm; the down projection accumulates straight into `X`.
/// Rows go through in chunks of `rowsPerChunk`, so the (rows, 2F) intermediate stays bounded
/// for long prompts (each row is independent; the result is the same).
func applyGatedMLP(_ x: inout Matrix, weights: LayerWeights, eps: Float) {
    let rowsPerChunk = 512
    if x.rows <= rowsPerChunk { return applyGatedMLPChunk(&x, weights: weights, eps: eps) }
    for start in stride(from: 0, to: x.rows, by: rowsPerChunk) {
        let range = start..<min(x.rows, start + rowsPerChunk)
        var chunk = x.rows(range)
        applyGatedMLPChunk(&chunk, weights: weights, eps: eps)
        x.storage.withUnsafeMutableBufferPointer { xp in
            chunk.storage.withUnsafeBufferPointer { cp in
                (xp.baseAddress! + start * x.cols).update(from: cp.baseAddress!, count: cp.count)
            }
        }
    }
}

private func applyGatedMLPChunk(_ x: inout Matrix, weights: LayerWeights, eps: Float) {
    let h = rmsNorm(x, weight: weights.mlpNorm, eps: eps)
    let gateUp = BLAS.linear(h, weights.gateUp)                  // (rows, 2F)
    let f = weights.downProj.cols
    var activated = gateUp.columns(f..<(2 * f))                  // (rows, F) = up
    gateUp.storage.withUnsafeBufferPointer { gp in
        activated.storage.withUnsafeMutableBufferPointer { ap in
            VectorMath.multiplyBySiLU(ap.baseAddress!, stride: f, gate: gp.baseAddress!, gateStride: 2 * f, rows: x.rows, cols: f)
        }
    }
    BLAS.linear(activated, weights.downProj, accumulateInto: &x, beta: 1)
}
