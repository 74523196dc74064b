import CKernels

/// RMSNorm over each row: `y = w ⊙ x / sqrt(mean(x²) + eps)`, the only norm Hymba uses.
///
/// Squares accumulate in fp32 lanes per row and are reduced in Double; the scaling is fp32 as in
/// the reference (the `hl_rms_norm` kernel). Views let the dt/B/C norms read their column slices
/// of the x_proj output in place; large inputs are split over the cores by rows. `y` may be `x`.
func rmsNorm(_ x: MatrixView, weight: [Float], eps: Float, into y: MatrixView) {
    precondition(weight.count == x.cols && y.rows == x.rows && y.cols == x.cols,
                 "rmsNorm: weight \(weight.count), input \(x.shape), output \(y.shape)")
    weight.withUnsafeBufferPointer { w in
        let weights = UnsafeSendablePointer(w.baseAddress!)
        ParallelRows.forEachChunk(rows: x.rows, floatsPerRow: x.cols) { range in
            hl_rms_norm(KernelLevel.best, x.row(range.lowerBound), Int32(x.stride), Int32(range.count), Int32(x.cols),
                        weights.pointer, eps, y.row(range.lowerBound), Int32(y.stride))
        }
    }
}

/// Row-wise RMSNorm of a whole matrix into a new matrix.
func rmsNorm(_ x: Matrix, weight: [Float], eps: Float) -> Matrix {
    var y = Matrix(rows: x.rows, cols: x.cols)
    x.withView { input in y.withMutableView { rmsNorm(input, weight: weight, eps: eps, into: $0) } }
    return y
}

/// A read-only pointer that concurrent tasks share (weights, biases).
struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    init(_ pointer: UnsafePointer<Float>) { self.pointer = pointer }
}
