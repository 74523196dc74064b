import CKernels
import Foundation

/// Where each head's rows put their mass, how spread out they are and how far back they read,
/// reduced on the fly from its rows (no T×T map is kept): for every head, the means over
/// real-token query rows `t ≥ M` of
///
/// ```
/// mass(t)     = Σ q[t,u] over u ∈ meta / BOS / {t} / the rest      (precedence meta > BOS > self > cross)
/// received(t) = q[t, j] for each meta token j
/// entropy(t)  = − Σ_u q[t,u] · ln q[t,u]                             (nats, over every visible key, 0·ln 0 = 0)
/// distance(t) = Σ_{u ∈ C(t)} q[t,u] · (t − u) / Σ_{u ∈ C(t)} q[t,u]
/// span90(t)   = min { d ≥ 0 : Σ_{u ∈ C(t), t−u ≤ d} q[t,u] ≥ 0.9 · Σ_{u ∈ C(t)} q[t,u] }
/// ```
/// where `q` is the attention row (or, with `absolute`, |row| / Σ|row| — an SSM head's implicit
/// map, whose entries can be negative) and `C(t)` are the *content* keys of row t: real tokens
/// `u ≤ t` other than the BOS (when the first token is the BOS id). The BOS class is the first
/// real position `M` and exists only when the first real token is the BOS id; otherwise that
/// column counts as cross (or self for its own row). Meta tokens and the BOS are left out of
/// the distances because their mass is a sink, reported by the masses; the distances say how
/// far back the rest of the row reaches. `span90` is the "effective memory length" of an SSM
/// head. Rows with no content mass (the BOS row itself) count for the entropy but not for the
/// distances. With `absolute`, a row whose entries are all 0 counts (as zeros) for the masses
/// only. A head with no counted row gets NaN entropy and distances (and zero masses).
///
/// Each row is summarised in one call of the `hl_summarize_row` kernel and its results are kept
/// per row, so rows may be reported from any thread in any order; the means add rows in order
/// of `t` (the result does not depend on the schedule). The 0.9 comparison allows a relative
/// slack of 1e-9 so that exactly-90 % sums are not lost to rounding.
final class AttentionRowStatistics: AttentionRowObserver, @unchecked Sendable {   // rows are written once each, from any thread
    static let spanFraction = 0.9

    let heads: Int
    let metaCount: Int
    let bosPosition: Int?
    let absolute: Bool
    /// Rows `0 ..< rows` may be reported.
    let rows: Int
    private let keepsReceived: Bool

    private struct Row {
        var massCounted = false          // a real-token row was reported
        var statisticsCounted = false    // … and it has mass (always, without `absolute`)
        var summary = hl_row_summary()
    }

    private let perRow: UnsafeMutablePointer<Row>           // (H, rows)
    private let received: UnsafeMutablePointer<Float>       // (H, rows, M) when kept

    /// - Parameter keepsReceived: also keep each row's mass per meta token (`meta_attn_received`).
    init(heads: Int, metaCount: Int, firstTokenIsBOS: Bool, absolute: Bool, rows: Int, keepsReceived: Bool = false) {
        self.heads = heads
        self.metaCount = metaCount
        self.bosPosition = firstTokenIsBOS ? metaCount : nil
        self.absolute = absolute
        self.rows = rows
        self.keepsReceived = keepsReceived && metaCount > 0
        perRow = .allocate(capacity: max(1, heads * rows))
        perRow.initialize(repeating: Row(), count: max(1, heads * rows))
        let receivedCount = self.keepsReceived ? heads * rows * metaCount : 1
        received = .allocate(capacity: receivedCount)
        received.initialize(repeating: 0, count: receivedCount)
    }

    deinit {
        perRow.deallocate()
        received.deallocate()
    }

    func wants(head h: Int) -> Bool { true }

    func observe(head h: Int, query t: Int, probabilities: UnsafePointer<Float>,
                 keys: (meta: Range<Int>, window: Range<Int>)) {
        guard t >= metaCount else { return }       // real-token rows only
        precondition(t < rows, "row \(t) reported to statistics of \(rows) rows")
        var layout = hl_row_layout(query: Int32(t), metaCount: Int32(metaCount), bos: Int32(bosPosition ?? -1),
                                   absolute: absolute ? 1 : 0)
        var summary = hl_row_summary()
        hl_summarize_row(KernelLevel.best, probabilities, Int32(keys.meta.count), Int32(keys.meta.lowerBound),
                         Int32(keys.window.count), Int32(keys.window.lowerBound), &layout, &summary)
        let hasMass = !absolute || summary.total > 0
        perRow[h * rows + t] = Row(massCounted: true, statisticsCounted: hasMass, summary: summary)
        guard keepsReceived else { return }
        let target = received + (h * rows + t) * metaCount
        let scale = absolute ? (summary.total > 0 ? 1 / summary.total : 0) : 1
        func value(_ j: Int) -> Float {
            let p = probabilities[j]
            return Float(Double(absolute ? abs(p) : p) * scale)
        }
        for j in 0..<keys.meta.count { target[keys.meta.lowerBound + j] = value(j) }
        for j in 0..<keys.window.count where keys.window.lowerBound + j < metaCount {
            target[keys.window.lowerBound + j] = value(keys.meta.count + j)
        }
    }

    private func row(_ h: Int, _ t: Int) -> Row { perRow[h * rows + t] }

    /// `[H, 4]` means over rows: meta, BOS, self, cross.
    var massTensor: Tensor {
        var out = [Float](repeating: 0, count: heads * 4)
        for h in 0..<heads {
            var sums = [Double](repeating: 0, count: 4), count = 0
            for t in 0..<rows where row(h, t).massCounted {
                let s = row(h, t).summary
                sums[0] += s.meta; sums[1] += s.bos; sums[2] += s.own; sums[3] += s.cross
                count += 1
            }
            if count > 0 { for k in 0..<4 { out[h * 4 + k] = Float(sums[k] / Double(count)) } }
        }
        return Tensor(shape: [heads, 4], floats: out)
    }

    /// `[H, M]` mean mass each meta token receives (needs `keepsReceived`).
    var metaReceivedTensor: Tensor {
        var out = [Float](repeating: 0, count: heads * metaCount)
        guard keepsReceived else { return Tensor(shape: [heads, metaCount], floats: out) }
        for h in 0..<heads {
            var sums = [Double](repeating: 0, count: metaCount), count = 0
            for t in 0..<rows where row(h, t).massCounted {
                let values = received + (h * rows + t) * metaCount
                for k in 0..<metaCount { sums[k] += Double(values[k]) }
                count += 1
            }
            if count > 0 { for k in 0..<metaCount { out[h * metaCount + k] = Float(sums[k] / Double(count)) } }
        }
        return Tensor(shape: [heads, metaCount], floats: out)
    }

    /// `[H]` mean row entropy in nats.
    var entropyTensor: Tensor {
        Tensor(shape: [heads], floats: (0..<heads).map { h in
            var sum = 0.0, count = 0
            for t in 0..<rows where row(h, t).statisticsCounted { sum += row(h, t).summary.entropy; count += 1 }
            return count > 0 ? Float(sum / Double(count)) : .nan
        })
    }

    /// `[H, 2]` mean content distance and mean 90 % content span, in tokens.
    var distanceTensor: Tensor {
        var out = [Float](repeating: .nan, count: heads * 2)
        for h in 0..<heads {
            var distance = 0.0, span = 0.0, count = 0
            for t in 0..<rows where row(h, t).statisticsCounted && row(h, t).summary.content > 0 {
                distance += row(h, t).summary.distance
                span += row(h, t).summary.span
                count += 1
            }
            if count > 0 {
                out[h * 2] = Float(distance / Double(count))
                out[h * 2 + 1] = Float(span / Double(count))
            }
        }
        return Tensor(shape: [heads, 2], floats: out)
    }
}
