import Foundation

/// How spread out and how far back each head reads, reduced on the fly from its rows (no T×T
/// map is kept): for every head, the mean over real-token query rows of
///
/// ```
/// entropy(t)  = − Σ_u q[t,u] · ln q[t,u]                     (nats, over every visible key, 0·ln 0 = 0)
/// distance(t) = Σ_{u ∈ C(t)} q[t,u] · (t − u) / Σ_{u ∈ C(t)} q[t,u]
/// span90(t)   = min { d ≥ 0 : Σ_{u ∈ C(t), t−u ≤ d} q[t,u] ≥ 0.9 · Σ_{u ∈ C(t)} q[t,u] }
/// ```
/// where `q` is the attention row (or, with `absolute`, |row| / Σ|row| — an SSM head's implicit
/// map, whose entries can be negative) and `C(t)` are the *content* keys of row t: real tokens
/// `u ≤ t` other than the BOS (when the first token is the BOS id). Meta tokens and the BOS
/// are left out of the distances because their mass is a sink, reported by `attn_mass` /
/// `ssm_mass`; the distances say how far back the rest of the row reaches. `span90` is the
/// "effective memory length" of an SSM head. Rows with no content mass (the BOS row itself)
/// count for the entropy but not for the distances. A head with no counted row gets NaN.
///
/// The 0.9 comparison allows a relative slack of 1e-9 so that exactly-90 % sums are not lost
/// to rounding.
final class AttentionRowStatistics: AttentionRowObserver, @unchecked Sendable {
    static let spanFraction = 0.9

    let heads: Int
    let metaCount: Int
    let bosPosition: Int?
    let absolute: Bool
    // Raw storage: different heads are accumulated from different threads.
    private let entropySum: UnsafeMutablePointer<Double>     // (H)
    private let distanceSum: UnsafeMutablePointer<Double>    // (H)
    private let spanSum: UnsafeMutablePointer<Double>        // (H)
    private let rows: UnsafeMutablePointer<Int>              // (H) rows counted for the entropy
    private let contentRows: UnsafeMutablePointer<Int>       // (H) rows counted for the distances

    init(heads: Int, metaCount: Int, firstTokenIsBOS: Bool, absolute: Bool) {
        self.heads = heads
        self.metaCount = metaCount
        self.bosPosition = firstTokenIsBOS ? metaCount : nil
        self.absolute = absolute
        entropySum = .allocate(capacity: heads); entropySum.initialize(repeating: 0, count: heads)
        distanceSum = .allocate(capacity: heads); distanceSum.initialize(repeating: 0, count: heads)
        spanSum = .allocate(capacity: heads); spanSum.initialize(repeating: 0, count: heads)
        rows = .allocate(capacity: heads); rows.initialize(repeating: 0, count: heads)
        contentRows = .allocate(capacity: heads); contentRows.initialize(repeating: 0, count: heads)
    }

    deinit {
        entropySum.deallocate(); distanceSum.deallocate(); spanSum.deallocate()
        rows.deallocate(); contentRows.deallocate()
    }

    func wants(head h: Int) -> Bool { true }

    func observe(head h: Int, query t: Int, probabilities: UnsafePointer<Float>,
                 keys: (meta: Range<Int>, window: Range<Int>)) {
        guard t >= metaCount else { return }       // real-token rows only
        let m = keys.meta.count, count = m + keys.window.count
        var scale: Double = 1
        if absolute {
            var total: Double = 0
            for j in 0..<count { total += Double(abs(probabilities[j])) }
            guard total > 0 else { return }
            scale = 1 / total
        }
        func value(_ j: Int) -> Double {
            let p = Double(probabilities[j])
            return (absolute ? abs(p) : p) * scale
        }

        var entropy: Double = 0
        for j in 0..<count {
            let q = value(j)
            if q > 0 { entropy -= q * Foundation.log(q) }
        }
        entropySum[h] += entropy
        rows[h] += 1

        // Content keys, nearest first: window keys u ≤ t, newest to oldest.
        var content: Double = 0, weightedDistance: Double = 0
        let lower = keys.window.lowerBound
        let newest = min(t, keys.window.upperBound - 1)
        guard newest >= lower else { return }
        for u in stride(from: newest, through: lower, by: -1) where isContent(u) {
            let q = value(m + u - lower)
            content += q
            weightedDistance += q * Double(t - u)
        }
        guard content > 0 else { return }
        let target = Self.spanFraction * content * (1 - 1e-9)
        var reached: Double = 0, span = t - lower
        for u in stride(from: newest, through: lower, by: -1) where isContent(u) {
            reached += value(m + u - lower)
            if reached >= target { span = t - u; break }
        }
        distanceSum[h] += weightedDistance / content
        spanSum[h] += Double(span)
        contentRows[h] += 1
    }

    private func isContent(_ u: Int) -> Bool { u >= metaCount && u != bosPosition }

    /// `[H]` mean row entropy in nats.
    var entropyTensor: Tensor {
        Tensor(shape: [heads], floats: (0..<heads).map { h in
            rows[h] > 0 ? Float(entropySum[h] / Double(rows[h])) : .nan
        })
    }

    /// `[H, 2]` mean content distance and mean 90 % content span, in tokens.
    var distanceTensor: Tensor {
        var out = [Float](repeating: .nan, count: heads * 2)
        for h in 0..<heads where contentRows[h] > 0 {
            out[h * 2] = Float(distanceSum[h] / Double(contentRows[h]))
            out[h * 2 + 1] = Float(spanSum[h] / Double(contentRows[h]))
        }
        return Tensor(shape: [heads, 2], floats: out)
    }
}
