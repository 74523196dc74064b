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
    var activated = Matrix(rows: x.rows, cols: f)                // (T, F)
    gateUp.storage.withUnsafeBufferPointer { gp in
        activated.storage.withUnsafeMutableBufferPointer { ap in
            for t in 0..<x.rows {
                let gate = gp.baseAddress! + t * 2 * f, up = gate + f
                let out = ap.baseAddress! + t * f
                for j in 0..<f { out[j] = VectorMath.silu(gate[j]) * up[j] }
            }
        }
    }
    BLAS.linear(activated, weights.downProj, accumulateInto: &x, beta: 1)
}
