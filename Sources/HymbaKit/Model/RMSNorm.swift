import Foundation

/// RMSNorm over each row: `y = w ⊙ x / sqrt(mean(x²) + eps)`, the only norm Hymba uses.
///
/// Works on strided rows so the dt/B/C norms can read their column slices of the x_proj output
/// in place. Squares accumulate in eight fp32 lanes per row (reduced in Double), the scaling is
/// fp32 as in the reference; large inputs are split over the cores by rows.
///
/// - Parameters:
///   - input: first element of row 0; row `t` starts at `input + t * inputStride`.
///   - rows, cols: rows to normalise and their length (= `weight.count`).
///   - output: may alias `input` (same stride) for an in-place norm.
func rmsNorm(_ input: UnsafePointer<Float>, inputStride: Int, rows: Int, cols: Int,
             weight: [Float], eps: Float,
             output: UnsafeMutablePointer<Float>, outputStride: Int) {
    precondition(weight.count == cols, "rmsNorm: weight has \(weight.count) values for rows of \(cols)")
    let source = VectorMath.SharedBuffer(pointer: UnsafeMutablePointer(mutating: input))
    let target = VectorMath.SharedBuffer(pointer: output)
    weight.withUnsafeBufferPointer { wp in
        let w = VectorMath.SharedBuffer(pointer: UnsafeMutablePointer(mutating: wp.baseAddress!))
        let rowsPerTask = max(1, (1 << 15) / max(1, cols))
        let tasks = (rows + rowsPerTask - 1) / rowsPerTask
        let normalize = { (task: Int) in
            for t in (task * rowsPerTask)..<min(rows, (task + 1) * rowsPerTask) {
                let x = source.pointer + t * inputStride
                let y = target.pointer + t * outputStride
                var lanes = SIMD8<Float>(repeating: 0)
                var j = 0
                while j + 8 <= cols {
                    let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
                    lanes += v * v
                    j += 8
                }
                var sumSquares: Double = 0
                for k in 0..<8 { sumSquares += Double(lanes[k]) }
                while j < cols { sumSquares += Double(x[j]) * Double(x[j]); j += 1 }
                let variance = Float(sumSquares / Double(cols))
                let inverse = 1 / (variance + eps).squareRoot()
                for j in 0..<cols { y[j] = w.pointer[j] * (x[j] * inverse) }
            }
        }
        if tasks > 1 { DispatchQueue.concurrentPerform(iterations: tasks, execute: normalize) } else { normalize(0) }
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
