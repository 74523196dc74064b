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
    var gateUp = BLAS.linear(h, weights.gateUp)                  // (rows, 2F) = [gate | up]
    let f = weights.downProj.cols, rows = x.rows, d = x.cols
    gateUp.storage.withUnsafeMutableBufferPointer { gp in
        let gate = gp.baseAddress!, up = gate + f
        // up ← silu(gate) ⊙ up in place, then the down projection reads it as a strided (rows, F) view.
        VectorMath.multiplyBySiLU(up, stride: 2 * f, gate: gate, gateStride: 2 * f, rows: rows, cols: f)
        weights.downProj.storage.withUnsafeBufferPointer { wp in
            x.storage.withUnsafeMutableBufferPointer { xp in
                BLAS.sgemm(transA: false, transB: true, m: rows, n: d, k: f,
                           a: UnsafePointer(up), lda: 2 * f, b: wp.baseAddress!, ldb: f,
                           beta: 1, c: xp.baseAddress!, ldc: d)
            }
        }
    }
}
