import Foundation

/// Rotary position embedding, non-interleaved ("rotate half"), with Hymba's NTK base rescale.
///
/// ```
/// base' = θ · (2·max_pos / orig_max_pos − 1)^(hd / (hd − 2))        (rope_type "ntk"; float64)
/// f_j   = 1 / base'^(2j / hd),  j < hd/2                              (float32)
/// rope(x)[t] = x ⊙ [cos θ_t, cos θ_t] + [−x₂, x₁] ⊙ [sin θ_t, sin θ_t],  θ_t,j = t · f_j
/// ```
/// Positions are row indices of the full sequence, meta tokens included.
struct RotaryEmbedding {
    let headDim: Int
    let half: Int
    /// The position of the tables' first row (a decode step needs only its own position).
    let firstTablePosition: Int
    private let cosTable: [Float]   // (positions, hd/2)
    private let sinTable: [Float]   // (positions, hd/2)

    init(config: HymbaConfig, positions: Int) {
        self.init(config: config, positions: 0..<positions)
    }

    /// Tables for `positions` only; `apply` must stay inside them.
    init(config: HymbaConfig, positions: Range<Int>) {
        firstTablePosition = positions.lowerBound
        headDim = config.headDim
        half = headDim / 2
        let base = config.ropeBase
        let inverseFrequency: [Float] = (0..<half).map { j in
            Float(1 / Foundation.pow(base, Double(2 * j) / Double(config.headDim)))
        }
        var cosTable = [Float](repeating: 0, count: positions.count * half)
        var sinTable = [Float](repeating: 0, count: positions.count * half)
        for (row, t) in positions.enumerated() {
            for j in 0..<half {
                let angle = Float(t) * inverseFrequency[j]
                cosTable[row * half + j] = Foundation.cos(angle)
                sinTable[row * half + j] = Foundation.sin(angle)
            }
        }
        self.cosTable = cosTable
        self.sinTable = sinTable
    }

    /// Rotates `heads` consecutive head blocks of every row in place.
    /// - Parameters:
    ///   - buffer: row `t`'s first head starts at `buffer + t * stride`.
    ///   - firstPosition: the position of row 0 (M when only the real rows are passed).
    func apply(to buffer: UnsafeMutablePointer<Float>, rows: Int, stride: Int, heads: Int, firstPosition: Int = 0) {
        precondition(firstPosition >= firstTablePosition && (firstPosition - firstTablePosition + rows) * half <= cosTable.count,
                     "RoPE: positions \(firstPosition) ..< \(firstPosition + rows) are outside the tables")
        cosTable.withUnsafeBufferPointer { cosines in
            sinTable.withUnsafeBufferPointer { sines in
                for t in 0..<rows {
                    let c = cosines.baseAddress! + (firstPosition - firstTablePosition + t) * half
                    let s = sines.baseAddress! + (firstPosition - firstTablePosition + t) * half
                    for h in 0..<heads {
                        let x = buffer + t * stride + h * headDim
                        for j in 0..<half {
                            let a = x[j], b = x[j + half]
                            x[j] = a * c[j] - b * s[j]
                            x[j + half] = b * c[j] + a * s[j]
                        }
                    }
                }
            }
        }
    }
}
