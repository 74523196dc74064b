/// Mamba's depthwise causal convolution followed by SiLU:
///
/// ```
/// c[t,e] = bias[e] + Σ_{k<K} w[e,k] · xs[t − (K−1) + k, e]      (xs = 0 before t = 0)
/// u      = silu(c)
/// ```
/// It runs over the meta rows too, from a zero history. Channels are innermost, so each tap
/// is a contiguous multiply-add over all E channels of a row.
///
/// - Parameters:
///   - input: row `t` of `xs` at `input + t * inputStride` (a column slice of `in_proj`'s output).
///   - history: the K−1 rows of `xs` before row 0 (the meta rows' tail when only real rows are
///     passed); zeros when nil.
/// - Returns: `u` as `(T, E)`.
func causalConvSiLU(input: UnsafePointer<Float>, inputStride: Int, rows: Int, history: Matrix? = nil,
                    weight: Matrix, bias: [Float]) -> Matrix {
    let channels = weight.rows, width = weight.cols
    var out = Matrix(rows: rows, cols: channels)
    // Taps transposed to (K, E) so the inner loop over channels is contiguous.
    var taps = [Float](repeating: 0, count: width * channels)
    for e in 0..<channels { for k in 0..<width { taps[k * channels + e] = weight[e, k] } }
    taps.withUnsafeBufferPointer { tp in
        bias.withUnsafeBufferPointer { bp in
            out.storage.withUnsafeMutableBufferPointer { op in
                for t in 0..<rows {
                    let y = op.baseAddress! + t * channels
                    y.update(from: bp.baseAddress!, count: channels)
                    for k in 0..<width {
                        let source = t - (width - 1) + k
                        let w = tp.baseAddress! + k * channels
                        if source >= 0 {
                            let x = input + source * inputStride
                            for e in 0..<channels { y[e] += w[e] * x[e] }
                        } else if let history, source + history.rows >= 0 {
                            let row = source + history.rows
                            for e in 0..<channels { y[e] += w[e] * history[row, e] }
                        }
                    }
                }
                VectorMath.siluInPlace(op.baseAddress!, count: rows * channels)
            }
        }
    }
    return out
}
