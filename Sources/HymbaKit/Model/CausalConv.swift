import CKernels

/// Mamba's depthwise causal convolution followed by SiLU:
///
/// ```
/// c[t,e] = bias[e] + Σ_{k<K} w[e,k] · xs[t − (K−1) + k, e]      (xs = 0 before t = 0)
/// u      = silu(c)
/// ```
/// It runs over the meta rows too, from a zero history. Channels are innermost, so each tap
/// is a contiguous multiply-add over all E channels of a row (`hl_causal_conv_silu`); rows are
/// independent, so row chunks run on all cores.
///
/// - Parameters:
///   - xs: the conv input `(T, E)`, a column slice of `in_proj`'s output.
///   - history: the K−1 rows of `xs` before row 0 (the meta rows' tail when only real rows are
///     passed); zeros when nil.
///   - out: `u`, `(T, E)`, contiguous.
func causalConvSiLU(_ xs: MatrixView, history: Matrix? = nil, weight: Matrix, bias: [Float], into out: MatrixView) {
    let channels = weight.rows, width = weight.cols
    precondition(xs.cols == channels && out.shape == xs.shape && out.stride == channels && bias.count == channels,
                 "causalConvSiLU: input \(xs.shape), weight \(weight.shape), output \(out.shape)")
    // Taps transposed to (K, E) so the inner loop over channels is contiguous.
    var taps = [Float](repeating: 0, count: width * channels)
    for e in 0..<channels { for k in 0..<width { taps[k * channels + e] = weight[e, k] } }
    taps.withUnsafeBufferPointer { tp in
        bias.withUnsafeBufferPointer { bp in
            (history?.storage ?? []).withUnsafeBufferPointer { hp in
                let taps = UnsafeSendablePointer(tp.baseAddress!), bias = UnsafeSendablePointer(bp.baseAddress!)
                let earlier = hp.baseAddress.map(UnsafeSendablePointer.init), earlierRows = Int32(history?.rows ?? 0)
                ParallelRows.forEachChunk(rows: xs.rows, floatsPerRow: channels * width) { range in
                    hl_causal_conv_silu(KernelLevel.best, xs.base, Int32(xs.stride), earlier?.pointer, earlierRows,
                                        taps.pointer, Int32(width), bias.pointer, Int32(channels),
                                        out.base, Int32(range.lowerBound), Int32(range.upperBound))
                }
            }
        }
    }
}
