/// The block's gated MLP with its pre-norm and residual:
///
/// ```
/// h = RMSNorm(X);   X += (silu(h · gateᵀ) ⊙ (h · upᵀ)) · downᵀ
/// ```
/// gate and up are one stacked sgemm; the down projection accumulates straight into `X`.
func applyGatedMLP(_ x: inout Matrix, weights: LayerWeights, eps: Float) {
    let h = rmsNorm(x, weight: weights.mlpNorm, eps: eps)
    let gateUp = BLAS.linear(h, weights.gateUp)                  // (T, 2F)
    let f = weights.downProj.cols
    var activated = gateUp.columns(f..<(2 * f))                  // (T, F) = up
    gateUp.storage.withUnsafeBufferPointer { gp in
        activated.storage.withUnsafeMutableBufferPointer { ap in
            VectorMath.multiplyBySiLU(ap.baseAddress!, stride: f, gate: gp.baseAddress!, gateStride: 2 * f, rows: x.rows, cols: f)
        }
    }
    BLAS.linear(activated, weights.downProj, accumulateInto: &x, beta: 1)
}
