import CKernels
import Foundation

/// Receives attention probabilities while the attention kernel runs, one query row at a time,
/// so maps and reductions are built without the kernel ever holding an H×T×T tensor.
///
/// Rows arrive concurrently, from any thread and in any order (also rows of one head); each
/// (head, row) is reported exactly once. Observers keep what they need per row.
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
    ///   - queries: `(queryRows.count, H·hd)` post-RoPE, head `h` at columns `h·hd ..< (h+1)·hd`.
    ///   - keys: `(T, Hkv·hd)` post-RoPE; values: `(T, Hkv·vd)`.
    ///   - output: `(queryRows.count, H·vd)`.
    ///   - workspace: holds the work items' scratch.
    func run(queryRows: Range<Int>, queries: MatrixView, keys: MatrixView, values: MatrixView, output: MatrixView,
             observer: AttentionRowObserver?, workspace: ForwardWorkspace) {
        let blockCount = (queryRows.count + Self.blockRows - 1) / Self.blockRows
        let items = kvHeads * blockCount          // (group, block) pairs
        let workers = min(items, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let scratchFloats = Scratch.floats(rows: groupSize * Self.blockRows, keys: queryRows.upperBound,
                                           headDim: headDim, valueDim: valueDim)
        let scratchBase = UnsafeSendableMutablePointer(workspace.buffer(.attentionScratch, count: workers * scratchFloats))
        let views = Views(queries: queries, keys: keys, values: values, output: output)
        let next = WorkCounter()
        // Each worker takes items until none are left. The items' sgemms are small and run side by
        // side, so each stays on its own core.
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let scratch = Scratch(base: scratchBase.pointer + worker * scratchFloats, rows: groupSize * Self.blockRows,
                                      keys: queryRows.upperBound, headDim: headDim)
                SubnormalFlush.scope {
                    while let item = next.take(below: items) {
                        attendBlock(group: item / blockCount, block: item % blockCount, queryRows: queryRows, views: views,
                                    scratch: scratch, observer: observer)
                    }
                }
            }
        }
    }

    /// Views of the kernel's inputs and output, shared by the work items (each writes only its
    /// own output rows and heads).
    private struct Views: @unchecked Sendable {
        let queries, keys, values, output: MatrixView
    }

    /// A work item's buffers: stacked queries, scores over the block's keys, mixed values.
    private struct Scratch {
        let q, scores, mixed: UnsafeMutablePointer<Float>

        static func floats(rows: Int, keys: Int, headDim: Int, valueDim: Int) -> Int {
            rows * (headDim + keys + valueDim)
        }

        init(base: UnsafeMutablePointer<Float>, rows: Int, keys: Int, headDim: Int) {
            q = base
            scores = base + rows * headDim
            mixed = scores + rows * keys
        }
    }

    /// One KV group's heads on one block of query rows.
    private func attendBlock(group: Int, block: Int, queryRows: Range<Int>, views: Views, scratch: Scratch,
                             observer: AttentionRowObserver?) {
        let g = groupSize, hd = headDim, vd = valueDim
        let scale = 1 / Float(hd).squareRoot()
        let first = queryRows.lowerBound
        let q = scratch.q, scores = scratch.scores, mixed = scratch.mixed
        let queries = views.queries, keys = views.keys, values = views.values, output = views.output
        let t0 = first + block * Self.blockRows
        let t1 = min(queryRows.upperBound, t0 + Self.blockRows)
        let b = t1 - t0
        let keyRanges = mask.keyRanges(forQueries: t0..<t1)
        let m = keyRanges.meta.count, w = keyRanges.window.count, nk = m + w

        // Stack the group's heads: stacked row j·b + r is head (group·G + j), query t0 + r.
        for j in 0..<g {
            let head = group * g + j
            for r in 0..<b {
                (q + (j * b + r) * hd).update(from: queries.row(t0 - first + r) + head * hd, count: hd)
            }
        }
        let keyBase = keys.base + group * hd
        if m > 0 {
            BLAS.sgemm(transA: false, transB: true, m: g * b, n: m, k: hd, alpha: scale,
                       a: q, lda: hd, b: keyBase + keyRanges.meta.lowerBound * keys.stride, ldb: keys.stride,
                       c: scores, ldc: nk)
        }
        if w > 0 {
            BLAS.sgemm(transA: false, transB: true, m: g * b, n: w, k: hd, alpha: scale,
                       a: q, lda: hd, b: keyBase + keyRanges.window.lowerBound * keys.stride, ldb: keys.stride,
                       c: scores + m, ldc: nk)
        }
        for j in 0..<g {
            let head = group * g + j
            let reports = observer?.wants(head: head) ?? false
            for r in 0..<b {
                let t = t0 + r
                let row = scores + (j * b + r) * nk
                let visible = visibleKeys(query: t, keys: keyRanges)
                hl_masked_softmax(KernelLevel.best, row, Int32(nk), 0, Int32(visible.meta),
                                  Int32(m + visible.window.lowerBound), Int32(m + visible.window.upperBound))
                if reports { observer!.observe(head: head, query: t, probabilities: row, keys: keyRanges) }
            }
        }
        let valueBase = values.base + group * vd
        if m > 0 {
            BLAS.sgemm(transA: false, transB: false, m: g * b, n: vd, k: m,
                       a: scores, lda: nk, b: valueBase + keyRanges.meta.lowerBound * values.stride, ldb: values.stride,
                       c: mixed, ldc: vd)
        }
        if w > 0 {
            BLAS.sgemm(transA: false, transB: false, m: g * b, n: vd, k: w,
                       a: scores + m, lda: nk, b: valueBase + keyRanges.window.lowerBound * values.stride, ldb: values.stride,
                       beta: m > 0 ? 1 : 0, c: mixed, ldc: vd)
        }
        for j in 0..<g {
            let head = group * g + j
            for r in 0..<b {
                (output.row(t0 - first + r) + head * vd).update(from: mixed + (j * b + r) * vd, count: vd)
            }
        }
    }

    /// The keys row `t` may see within the block's key ranges: meta keys `0 ..< meta` of the
    /// meta range (`min(M, t+1)` of them) and the offsets `window` of the window range
    /// (`windowStart(t) … t`). Everything else gets probability exactly 0.
    private func visibleKeys(query t: Int, keys: (meta: Range<Int>, window: Range<Int>)) -> (meta: Int, window: Range<Int>) {
        let m = keys.meta.count
        let metaVisible = max(0, min(m, t + 1 - keys.meta.lowerBound))
        let lo = keys.window.lowerBound, w = keys.window.count
        let first = min(w, max(0, mask.windowStart(query: t) - lo))
        let end = min(w, max(0, t + 1 - lo))
        return (metaVisible, first..<max(first, end))
    }
}

/// Hands out work item numbers `0, 1, 2, …` to concurrent workers.
final class WorkCounter: @unchecked Sendable {   // guarded by `lock`
    private let lock = NSLock()
    private var next = 0

    /// The next item below `limit`, or nil when all are taken.
    func take(below limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}

/// A writable pointer shared by concurrent tasks that write disjoint parts of it.
struct UnsafeSendableMutablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
