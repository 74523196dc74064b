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
    private let cosTable: [Float]   // (T, hd/2)
    private let sinTable: [Float]   // (T, hd/2)

    init(config: HymbaConfig, positions: Int) {
        headDim = config.headDim
        half = headDim / 2
        let base = config.ropeBase
        let inverseFrequency: [Float] = (0..<half).map { j in
            Float(1 / Foundation.pow(base, Double(2 * j) / Double(config.headDim)))
        }
        var cosTable = [Float](repeating: 0, count: positions * half)
        var sinTable = [Float](repeating: 0, count: positions * half)
        for t in 0..<positions {
            for j in 0..<half {
                let angle = Float(t) * inverseFrequency[j]
                cosTable[t * half + j] = Foundation.cos(angle)
                sinTable[t * half + j] = Foundation.sin(angle)
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
        cosTable.withUnsafeBufferPointer { cosines in
            sinTable.withUnsafeBufferPointer { sines in
                for t in 0..<rows {
                    let c = cosines.baseAddress! + (firstPosition + t) * half
                    let s = sines.baseAddress! + (firstPosition + t) * half
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
