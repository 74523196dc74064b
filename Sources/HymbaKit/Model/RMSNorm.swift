/// RMSNorm over each row: `y = w ⊙ x / sqrt(mean(x²) + eps)`, the only norm Hymba uses.
///
/// Works on strided rows so the dt/B/C norms can read their column slices of the x_proj output
/// in place. The mean of squares accumulates in Double; the scaling is fp32 as in the reference.
///
/// - Parameters:
///   - input: first element of row 0; row `t` starts at `input + t * inputStride`.
///   - rows, cols: rows to normalise and their length (= `weight.count`).
///   - output: may alias `input` (same stride) for an in-place norm.
func rmsNorm(_ input: UnsafePointer<Float>, inputStride: Int, rows: Int, cols: Int,
             weight: [Float], eps: Float,
             output: UnsafeMutablePointer<Float>, outputStride: Int) {
    precondition(weight.count == cols, "rmsNorm: weight has \(weight.count) values for rows of \(cols)")
    weight.withUnsafeBufferPointer { w in
        for t in 0..<rows {
            let x = input + t * inputStride
            let y = output + t * outputStride
            var sumSquares: Double = 0
            for j in 0..<cols { sumSquares += Double(x[j]) * Double(x[j]) }
            let variance = Float(sumSquares / Double(cols))
            let inverse = 1 / (variance + eps).squareRoot()
            for j in 0..<cols { y[j] = w[j] * (x[j] * inverse) }
        }
    }
}

/// Row-wise RMSNorm of a whole matrix into a new matrix.
func rmsNorm(_ x: Matrix, weight: [Float], eps: Float) -> Matrix {
    var y = Matrix(rows: x.rows, cols: x.cols)
    x.storage.withUnsafeBufferPointer { xp in
        y.storage.withUnsafeMutableBufferPointer { yp in
            rmsNorm(xp.baseAddress!, inputStride: x.cols, rows: x.rows, cols: x.cols,
                    weight: weight, eps: eps, output: yp.baseAddress!, outputStride: x.cols)
        }
    }
    return y
}
