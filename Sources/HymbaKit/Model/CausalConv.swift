import Foundation

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
    let historyRows = history?.rows ?? 0
    let rowsPerTask = max(1, (1 << 15) / max(1, channels))
    let tasks = (rows + rowsPerTask - 1) / rowsPerTask
    taps.withUnsafeBufferPointer { tp in
        bias.withUnsafeBufferPointer { bp in
            (history?.storage ?? []).withUnsafeBufferPointer { hp in
                out.storage.withUnsafeMutableBufferPointer { op in
                    let views = ConvViews(taps: tp.baseAddress!, bias: bp.baseAddress!, history: hp.baseAddress,
                                          input: input, output: op.baseAddress!)
                    // Rows are independent (each reads only xs), so row chunks run on all cores.
                    DispatchQueue.concurrentPerform(iterations: tasks) { task in
                        let first = task * rowsPerTask, end = min(rows, first + rowsPerTask)
                        for t in first..<end {
                            let y = views.output + t * channels
                            y.update(from: views.bias, count: channels)
                            for k in 0..<width {
                                let source = t - (width - 1) + k
                                let w = views.taps + k * channels
                                if source >= 0 {
                                    let x = views.input + source * inputStride
                                    for e in 0..<channels { y[e] += w[e] * x[e] }
                                } else if let h = views.history, source + historyRows >= 0 {
                                    let x = h + (source + historyRows) * channels
                                    for e in 0..<channels { y[e] += w[e] * x[e] }
                                }
                            }
                        }
                        VectorMath.siluInPlace(views.output + first * channels, count: (end - first) * channels)
                    }
                }
            }
        }
    }
    return out
}

/// Raw views the row-chunk tasks share; each writes only its own rows of `output`.
private struct ConvViews: @unchecked Sendable {
    let taps, bias: UnsafePointer<Float>
    let history: UnsafePointer<Float>?
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
}
