import Foundation

/// Receives attention probabilities while the attention kernel runs, one query row at a time,
/// so maps and reductions are built without the kernel ever holding an H×T×T tensor.
///
/// Calls for different heads may arrive concurrently; calls for one head never do.
protocol AttentionRowObserver: AnyObject {
    /// Whether the observer needs head `h` at all (others are never reported).
    func wants(head h: Int) -> Bool
    /// Row `t` of head `h`: `probabilities[j]` is the weight of key `keys.meta[j]` for
    /// `j < keys.meta.count`, and of key `keys.window.lowerBound + j − keys.meta.count` after;
    /// masked keys carry exactly 0.
    func observe(head h: Int, query t: Int, probabilities: UnsafePointer<Float>,
                 keys: (meta: Range<Int>, window: Range<Int>))
}

/// Multi-head attention with grouped K/V over precomputed (post-RoPE) queries and keys:
///
/// ```
/// s[h,t,u] = q[t,h] · k[u,g] / sqrt(hd),   g = h div G
/// p[h,t,:] = softmax over allowed u,       A_out[t, h·vd ..< (h+1)·vd] = Σ_u p[h,t,u] · v[u,g]
/// ```
/// Per KV group and block of query rows, the group's G query heads are stacked into one matrix
/// and scored by sgemm against only the keys the block may see (meta rows + window).
struct AttentionHeads {
    let heads: Int           // H
    let kvHeads: Int         // Hkv
    let headDim: Int         // hd
    let valueDim: Int        // vd
    let mask: AttentionMask

    /// Query rows per block; the group's G heads are scored together, so a block is G·rows tall.
    static let blockRows = 64

    var groupSize: Int { heads / kvHeads }

    /// - Parameters:
    ///   - queryRows: absolute rows `t` of the queries (all T rows, or only the real rows when the
    ///     meta rows' keys come from a prefix); keys and values cover rows `0 ..< queryRows.upperBound`.
    ///   - queries: query row `t`, head `h` at `queries + (t − queryRows.lowerBound) * queryStride + h * hd` (post-RoPE).
    ///   - keys: `(T, Hkv·hd)` post-RoPE, row stride `keyStride`.
    ///   - values: `(T, Hkv·vd)`, row stride `valueStride`.
    ///   - output: `(queryRows.count, H·vd)`, contiguous.
    func run(queryRows: Range<Int>,
             queries: UnsafePointer<Float>, queryStride: Int,
             keys: UnsafePointer<Float>, keyStride: Int,
             values: UnsafePointer<Float>, valueStride: Int,
             output: UnsafeMutablePointer<Float>,
             observer: AttentionRowObserver?) {
        let blockCount = (queryRows.count + Self.blockRows - 1) / Self.blockRows
        let views = Views(queries: queries, keys: keys, values: values, output: output)
        let strides = (query: queryStride, key: keyStride, value: valueStride)
        // Work items run on all cores. An observer must never see one head from two threads,
        // so with an observer an item is a whole KV group; without, a (group, block) pair.
        // The items' sgemms are small and run side by side, so each stays on its own core.
        let itemsPerGroup = observer == nil ? blockCount : 1
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: kvHeads * itemsPerGroup) { item in
                let group = item / itemsPerGroup
                let blocks = observer == nil ? (item % itemsPerGroup)..<(item % itemsPerGroup + 1) : 0..<blockCount
                var scratch = Scratch(rows: groupSize * Self.blockRows, keys: queryRows.upperBound, headDim: headDim, valueDim: valueDim)
                defer { scratch.release() }
                for block in blocks {
                    attendBlock(group: group, block: block, queryRows: queryRows, views: views, strides: strides,
                                scratch: scratch, observer: observer)
                }
            }
        }
    }

    /// Raw views of the kernel's inputs and output, shared by the work items (each writes only
    /// its own output rows and heads).
    private struct Views: @unchecked Sendable {
        let queries, keys, values: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
    }

    /// Per-work-item buffers: stacked queries, scores over the block's keys, mixed values.
    private struct Scratch {
        let q, scores, mixed: UnsafeMutablePointer<Float>
        init(rows: Int, keys: Int, headDim: Int, valueDim: Int) {
            q = .allocate(capacity: rows * headDim)
            scores = .allocate(capacity: rows * keys)
            mixed = .allocate(capacity: rows * valueDim)
        }
        mutating func release() { q.deallocate(); scores.deallocate(); mixed.deallocate() }
    }

    /// One KV group's heads on one block of query rows.
    private func attendBlock(group: Int, block: Int, queryRows: Range<Int>, views: Views,
                             strides: (query: Int, key: Int, value: Int), scratch: Scratch,
                             observer: AttentionRowObserver?) {
        let g = groupSize, hd = headDim, vd = valueDim
        let scale = 1 / Float(hd).squareRoot()
        let first = queryRows.lowerBound
        let q = scratch.q, scores = scratch.scores, mixed = scratch.mixed
        let queries = views.queries, keys = views.keys, values = views.values, output = views.output
        let queryStride = strides.query, keyStride = strides.key, valueStride = strides.value
        let t0 = first + block * Self.blockRows
        let t1 = min(queryRows.upperBound, t0 + Self.blockRows)
        let b = t1 - t0
        let keyRanges = mask.keyRanges(forQueries: t0..<t1)
        let m = keyRanges.meta.count, w = keyRanges.window.count, nk = m + w

        // Stack the group's heads: stacked row j·b + r is head (group·G + j), query t0 + r.
        for j in 0..<g {
            let head = group * g + j
            for r in 0..<b {
                (q + (j * b + r) * hd).update(from: queries + (t0 - first + r) * queryStride + head * hd, count: hd)
            }
        }
        let keyBase = keys + group * hd
        if m > 0 {
            BLAS.sgemm(transA: false, transB: true, m: g * b, n: m, k: hd, alpha: scale,
                       a: q, lda: hd, b: keyBase + keyRanges.meta.lowerBound * keyStride, ldb: keyStride,
                       c: scores, ldc: nk)
        }
        if w > 0 {
            BLAS.sgemm(transA: false, transB: true, m: g * b, n: w, k: hd, alpha: scale,
                       a: q, lda: hd, b: keyBase + keyRanges.window.lowerBound * keyStride, ldb: keyStride,
                       c: scores + m, ldc: nk)
        }
        for j in 0..<g {
            let head = group * g + j
            let reports = observer?.wants(head: head) ?? false
            for r in 0..<b {
                let t = t0 + r
                let row = scores + (j * b + r) * nk
                maskRow(row, query: t, keys: keyRanges)
                VectorMath.softmaxInPlace(row, count: nk)
                if reports { observer!.observe(head: head, query: t, probabilities: row, keys: keyRanges) }
            }
        }
        let valueBase = values + group * vd
        if m > 0 {
            BLAS.sgemm(transA: false, transB: false, m: g * b, n: vd, k: m,
                       a: scores, lda: nk, b: valueBase + keyRanges.meta.lowerBound * valueStride, ldb: valueStride,
                       c: mixed, ldc: vd)
        }
        if w > 0 {
            BLAS.sgemm(transA: false, transB: false, m: g * b, n: vd, k: w,
                       a: scores + m, lda: nk, b: valueBase + keyRanges.window.lowerBound * valueStride, ldb: valueStride,
                       beta: m > 0 ? 1 : 0, c: mixed, ldc: vd)
        }
        for j in 0..<g {
            let head = group * g + j
            for r in 0..<b {
                (output + (t0 - first + r) * heads * vd + head * vd).update(from: mixed + (j * b + r) * vd, count: vd)
            }
        }
    }

    /// Sets the scores of keys row `t` may not see to −∞ (they become exactly 0 in the softmax).
    /// Row t sees meta keys `0 … min(M, t+1)` and window keys `windowStart(t) … t`; both are
    /// contiguous, so everything else is two runs per part.
    private func maskRow(_ row: UnsafeMutablePointer<Float>, query t: Int, keys: (meta: Range<Int>, window: Range<Int>)) {
        let m = keys.meta.count
        let metaVisible = max(0, min(m, t + 1 - keys.meta.lowerBound))
        for j in metaVisible..<max(metaVisible, m) { row[j] = -.infinity }
        let lo = keys.window.lowerBound, w = keys.window.count
        let first = min(w, max(0, mask.windowStart(query: t) - lo))
        let end = min(w, max(0, t + 1 - lo))
        for j in 0..<first { row[m + j] = -.infinity }
        for j in max(first, end)..<w { row[m + j] = -.infinity }
    }
}
