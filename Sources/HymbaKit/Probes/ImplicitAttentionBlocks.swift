import CKernels
import Foundation

/// The inputs of the SSM implicit attention as raw row-major buffers, shared read-only by every
/// task (the pointers live for the duration of `SSMImplicitAttention.run`).
struct ImplicitAttentionInputs: @unchecked Sendable {
    let rows: Int                       // T
    let width: Int                      // E: row stride of Δ and A
    let states: Int                     // N
    let delta: UnsafePointer<Float>     // Δ (T, E), ≥ 0 (a softplus)
    let negA: UnsafePointer<Float>      // A (N, E), < 0
    let b: UnsafePointer<Float>         // B (T, N)
    let c: UnsafePointer<Float>         // C (T, N)
}

/// Rows of one channel group's implicit attention, `scale · Σ_{c ∈ group} α_c[i, 0...i]`, computed a
/// block of rows at a time with GEMMs and streamed row by row.
///
/// With the prefix sums `cum[t, c] = Σ_{k<t} Δ_k[c]` (Double, `cum[0] = 0`, so `S_t = cum[t+1]`)
/// and the decay between two positions `D(p, q) = exp(A[c,n] · (cum[p, c] − cum[q, c]))`,
///
/// ```
/// α_c[i, j] = Σ_n C_i[n] · D(i+1, j+1) · Δ_j[c] · B_j[n]      (j ≤ i)
/// ```
/// Every exponent is A times a difference of prefix sums, the difference taken in Double so two
/// large sums keep their digits, then rounded to Float for `exp`. Δ ≥ 0 and A < 0, so `D(p, q) ≤ 1`
/// for `p ≥ q`, and `D(p, q) = D(p, r) · D(r, q)` for `p ≥ r ≥ q`. Every factor below is a `D(p, q)`
/// with `p ≥ q`: nothing overflows, and a product underflows only where the true value does.
///
/// **Earlier blocks.** Rows come in blocks `I = [i0, i1)` of `blockRows` (L). For a key block
/// `J = [j0, j1)` with `j1 ≤ i0`, the decay factors through both block boundaries,
/// `D(i+1, j+1) = D(i+1, i0) · D(i0, j1) · D(j1, j+1)`, so with K = N·w columns k = (n, c), n-major,
///
/// ```
/// α[I, J] = scale · P_I · (Q_J ∘ G_IJ)ᵀ
/// P_I[i, k] = C_i[n] · D(i+1, i0)          Q_J[j, k] = B_j[n] · Δ_j[c] · D(j1, j+1)          G_IJ[k] = D(i0, j1)
/// ```
/// `Q_J` is kept for all later blocks. The `Q_J ∘ G_IJ` of all earlier blocks are stacked, so block
/// I takes one `L × i0 × K` sgemm; key blocks in front of the first whose `G_IJ` has not
/// underflowed to all zeros are zero and left out.
///
/// **The block itself.** A diagonal block cannot factor through `i0` (that needs `D(i0, j+1)` with
/// `i0 < j+1`: exp of a positive number, which overflows). It is halved recursively
/// (`HalvingTree`): for a node `[a, b)` with midpoint m, every query `i ∈ [m, b)` and key
/// `j ∈ [a, m)` straddle m, and
///
/// ```
/// α[i, j] = scale · Σ_k (C_i[n] · D(i+1, m)) · (B_j[n] · Δ_j[c] · D(m, j+1))
/// ```
/// is one sgemm per node. Leaves (≤ 2 rows) are summed directly. The factors of all levels come
/// from one pass of exps, bottom-up: each row starts with `qf_i = C_i · D(i+1, a)` and
/// `kf_i = B_i·Δ_i · D(b, i+1)` for its leaf `[a, b)`; after the sgemms of a level, a row in a
/// right child `[m, b)` of `[a, b)` takes `qf_i ·= D(m, a)` and a row in a left child `[a, m)`
/// takes `kf_i ·= D(b, m)` — one factor per node, shared by its rows — so each row's factors now
/// refer to its parent's bounds. At the root they are exactly `P_I` and `Q_I`. That is 2 exps per
/// row and column plus about one per node, instead of one per level; each factor is a product of
/// at most `log₂ L` exps of non-positive numbers (a few ulp).
///
/// **Parallelism.** The elementwise phases (exps, the level factors, stacking) are split over rows
/// with `concurrentPerform` when `parallel`; the sgemms run between the phases, from the calling
/// thread, on OpenBLAS's own threads. The two never nest.
///
/// Memory per group: `Q` and the stacked `Q ∘ G` for every row (2·T·K floats), `L × K` query
/// factors, `2L × K` node factors and the `L × T` row buffer — never a T×T map.
final class ImplicitAttentionBlocks: @unchecked Sendable {   // concurrent tasks write disjoint rows
    /// Rows per block: the earlier-blocks sgemm is `L × i0 × K`, and stacking costs one pass over
    /// `Q` per block (T²K / 2L in all); the tree's levels cost O(L·K) per row. Measured on the 1.5B
    /// head shape: 256 is within 5 % (a little faster at T = 2176, slower at 640), 64 is 25 %
    /// slower at T = 2176.
    static let blockRows = 128
    /// Tree leaves hold at most this many rows; `ownBlock` sums the pairs inside a leaf directly
    /// and handles exactly one- and two-row leaves.
    private static let leafRows = 2

    private let inputs: ImplicitAttentionInputs
    private let groupWidth: Int                             // w channels
    private let columns: Int                                // K = N·w
    private let blockRows: Int                              // L = min(blockRows, T)
    private let tasks: Int                                  // parallel pieces per phase
    private let fullTree: HalvingTree                       // the tree of a full block, offsets from 0

    private let cum: UnsafeMutablePointer<Double>           // (T + 1, w) prefix sums of Δ
    private let q: UnsafeMutablePointer<Float>              // (T, K) key factors; Q_J once block J is done
    private let stacked: UnsafeMutablePointer<Float>        // (T, K) Q_J ∘ G_IJ for the current block
    private let gates: UnsafeMutablePointer<Float>          // (T / L + 1, K) G_IJ for the current block
    private let panel: UnsafeMutablePointer<Float>          // (L, K) query factors; P_I at the root
    private let nodeFactors: UnsafeMutablePointer<Float>    // (2L, K) one D(·,·) per tree node
    private let out: UnsafeMutablePointer<Float>            // (L, T) the block's rows
    private let scratch: UnsafeMutablePointer<Float>        // (tasks, w) per-task spans

    /// Workspace for groups of `groupWidth` consecutive channels over `inputs`.
    ///
    /// - Parameters:
    ///   - parallel: split the elementwise phases over the processors (off when the caller runs
    ///     groups in parallel itself).
    ///   - blockRows: rows per block; other values than the default only for tests.
    init(inputs: ImplicitAttentionInputs, groupWidth: Int, parallel: Bool,
         blockRows: Int = ImplicitAttentionBlocks.blockRows) {
        self.inputs = inputs
        self.groupWidth = groupWidth
        columns = inputs.states * groupWidth
        self.blockRows = max(1, min(blockRows, inputs.rows))
        tasks = parallel ? max(1, ProcessInfo.processInfo.activeProcessorCount) : 1
        fullTree = HalvingTree(block: 0..<self.blockRows, leafRows: Self.leafRows)
        let t = inputs.rows, l = self.blockRows, k = columns
        cum = .allocate(capacity: (t + 1) * groupWidth)
        q = .allocate(capacity: t * k)
        stacked = .allocate(capacity: t * k)
        gates = .allocate(capacity: (t / l + 1) * k)
        panel = .allocate(capacity: l * k)
        nodeFactors = .allocate(capacity: 2 * l * k)
        out = .allocate(capacity: l * t)
        scratch = .allocate(capacity: tasks * groupWidth)
    }

    deinit {
        cum.deallocate(); q.deallocate(); stacked.deallocate(); gates.deallocate(); panel.deallocate()
        nodeFactors.deallocate(); out.deallocate(); scratch.deallocate()
    }

    /// Computes `scale · Σ_{c ∈ [first, first + w)} α_c` and hands every row `i ≥ firstRow`
    /// (entries `0...i` valid) to `emit`, in order of `i`, on the calling thread.
    func stream(firstChannel first: Int, scale: Float, firstRow: Int = 0,
                emit: (_ row: Int, _ values: UnsafePointer<Float>) -> Void) {
        let t = inputs.rows, w = groupWidth, l = blockRows
        guard t > 0 else { return }
        precondition(first >= 0 && first + w <= inputs.width, "channel group \(first)..<\(first + w) outside 0..<\(inputs.width)")

        // cum[s, c] = Σ_{k<s} Δ_k[c], in Double.
        for c in 0..<w { cum[c] = 0 }
        for s in 0..<t {
            let previous = cum + s * w, next = cum + (s + 1) * w, d = inputs.delta + s * inputs.width + first
            for c in 0..<w { next[c] = previous[c] + Double(d[c]) }
        }

        var i0 = 0
        while i0 < t {
            let i1 = min(t, i0 + l)
            let tree = i1 - i0 == l ? fullTree : HalvingTree(block: 0..<(i1 - i0), leafRows: Self.leafRows)
            ownBlock(i0..<i1, tree: tree, first: first, scale: scale)       // leaves P_I in panel, Q_I in q
            // A block wholly before firstRow only has to leave its key factors for later blocks.
            if i0 > 0 && i1 > firstRow { earlierBlocks(i0..<i1, first: first, scale: scale) }
            for i in max(i0, firstRow)..<i1 { emit(i, out + (i - i0) * t) }
            i0 = i1
        }
    }

    // MARK: - Blocks

    /// `out[i, j]` for `i, j` in the block, `j ≤ i`, down the halving tree (offsets from `i0`);
    /// on return `panel` holds `P_I` and `q[I]` holds `Q_I`.
    private func ownBlock(_ block: Range<Int>, tree: HalvingTree, first: Int, scale: Float) {
        let t = inputs.rows, k = columns, w = groupWidth, n = inputs.states, i0 = block.lowerBound
        let nodes = tree.nodes

        // Leaf factors of every row, and one factor per node: D(m, a) for a right child [m, b) of
        // [a, b), D(b, m) for a left child [a, m).
        parallelFor(0..<(block.count + nodes.count - 1)) { item, span in
            if item < block.count {
                let i = i0 + item, leaf = nodes[tree.leafOfRow[item]].rows
                queryRow(into: panel + item * k, query: i, boundary: i0 + leaf.lowerBound, first: first, span: span)
                keyRow(into: q + i * k, key: i, boundary: i0 + leaf.upperBound, first: first, span: span)
            } else {
                let index = item - block.count + 1, node = nodes[index]
                guard let parent = node.parent.map({ nodes[$0].rows }) else { return }
                let (upper, lower) = node.isRight ? (node.rows.lowerBound, parent.lowerBound)
                                                  : (parent.upperBound, node.rows.upperBound)
                fillDecays(into: nodeFactors + index * k, upper: i0 + upper, lower: i0 + lower, first: first, span: span)
            }
        }

        // Inside a leaf: the diagonal, α[i, i] = scale · Σ_n C_i[n]·B_i[n] · Σ_c Δ_i[c], and for a
        // leaf [a, a+2) the pair α[a+1, a] = scale · Σ_k C_{a+1}[n] · kf_a[k] (kf_a = B_a·Δ_a·D(a+2, a+1)).
        for item in 0..<block.count {
            let i = i0 + item, ci = inputs.c + i * n, bi = inputs.b + i * n, di = inputs.delta + i * inputs.width + first
            var deltas: Float = 0
            for c in 0..<w { deltas += di[c] }
            var own: Float = 0
            for state in 0..<n { own += ci[state] * bi[state] }
            out[item * t + i] = scale * own * deltas
            let leaf = nodes[tree.leafOfRow[item]].rows
            if item > leaf.lowerBound {
                let kf = q + (i - 1) * k
                var pair: Float = 0
                for state in 0..<n {
                    var sum: Float = 0
                    for c in 0..<w { sum += kf[state * w + c] }
                    pair += ci[state] * sum
                }
                out[item * t + i - 1] = scale * pair
            }
        }

        // Level by level, deepest first: each internal node's query half against its key half, then
        // every row's factors move up to its parent's bounds.
        for level in tree.internalByDepth.reversed() {
            for index in level {
                guard let (left, right) = nodes[index].children else { continue }
                let keys = nodes[left].rows, queries = nodes[right].rows
                BLAS.sgemm(transA: false, transB: true, m: queries.count, n: keys.count, k: k, alpha: scale,
                           a: panel + queries.lowerBound * k, lda: k, b: q + (i0 + keys.lowerBound) * k, ldb: k,
                           c: out + queries.lowerBound * t + i0 + keys.lowerBound, ldc: t)
            }
            // (row offset, child node) for every row under this level's nodes.
            let moves = level.compactMap { nodes[$0].children }.flatMap { [$0.left, $0.right] }
                .flatMap { index in nodes[index].rows.map { (item: $0, node: index) } }
            parallelFor(0..<moves.count) { position, _ in
                let (item, index) = moves[position]
                let row = nodes[index].isRight ? panel + item * k : q + (i0 + item) * k
                let factor = nodeFactors + index * k
                for column in 0..<k { row[column] *= factor[column] }
            }
        }
    }

    /// `out[I, 0..<i0] = scale · P_I · (Q_J ∘ G_IJ)ᵀ` over the earlier blocks J, by one sgemm from
    /// the first block whose `G_IJ` has not underflowed to all zeros; zeros before it.
    private func earlierBlocks(_ rows: Range<Int>, first: Int, scale: Float) {
        let t = inputs.rows, l = blockRows, k = columns, i0 = rows.lowerBound
        let blocks = i0 / l                                     // all full: i0 is a multiple of L
        parallelFor(0..<blocks) { block, span in
            fillDecays(into: gates + block * k, upper: i0, lower: (block + 1) * l, first: first, span: span)
        }
        var live = 0
        while live < blocks, !(0..<k).contains(where: { gates[live * k + $0] != 0 }) { live += 1 }
        let j0 = live * l
        for r in 0..<rows.count { (out + r * t).update(repeating: 0, count: j0) }
        guard j0 < i0 else { return }
        parallelFor(j0..<i0) { j, _ in
            let g = gates + (j / l) * k, source = q + j * k, target = stacked + j * k
            for index in 0..<k { target[index] = source[index] * g[index] }
        }
        BLAS.sgemm(transA: false, transB: true, m: rows.count, n: i0 - j0, k: k, alpha: scale,
                   a: panel, lda: k, b: stacked + j0 * k, ldb: k, c: out + j0, ldc: t)
    }

    // MARK: - Rows of the factors

    /// `x[(n, c)] = D(upper, lower) = exp(A[c,n] · (cum[upper, c] − cum[lower, c]))` over the
    /// group's channels (K floats); `span` is w floats of scratch.
    private func fillDecays(into x: UnsafeMutablePointer<Float>, upper: Int, lower: Int, first: Int,
                            span: UnsafeMutablePointer<Float>) {
        let w = groupWidth
        let high = cum + upper * w, low = cum + lower * w
        for c in 0..<w { span[c] = Float(high[c] - low[c]) }
        for state in 0..<inputs.states {
            let a = inputs.negA + state * inputs.width + first, xn = x + state * w
            for c in 0..<w { xn[c] = a[c] * span[c] }
        }
        hl_exp_in_place(KernelLevel.best, x, columns)
    }

    /// A query row through `boundary ≤ query`: `row[(n, c)] = C_query[n] · D(query+1, boundary)`.
    private func queryRow(into row: UnsafeMutablePointer<Float>, query: Int, boundary: Int, first: Int,
                          span: UnsafeMutablePointer<Float>) {
        let w = groupWidth
        fillDecays(into: row, upper: query + 1, lower: boundary, first: first, span: span)
        let cq = inputs.c + query * inputs.states
        for state in 0..<inputs.states {
            let weight = cq[state], r = row + state * w
            for c in 0..<w { r[c] *= weight }
        }
    }

    /// A key row through `boundary > key`: `row[(n, c)] = B_key[n] · Δ_key[c] · D(boundary, key+1)`.
    private func keyRow(into row: UnsafeMutablePointer<Float>, key: Int, boundary: Int, first: Int,
                        span: UnsafeMutablePointer<Float>) {
        let w = groupWidth
        fillDecays(into: row, upper: boundary, lower: key + 1, first: first, span: span)
        let bk = inputs.b + key * inputs.states, dk = inputs.delta + key * inputs.width + first
        for state in 0..<inputs.states {
            let weight = bk[state], r = row + state * w
            for c in 0..<w { r[c] *= weight * dk[c] }
        }
    }

    // MARK: - Parallel phases

    /// Phases touching fewer floats than this run on the calling thread.
    private static let parallelFloats = 1 << 16

    /// `body(item, span)` for every item, dealt round-robin over the tasks (items of one phase can
    /// differ in cost: rows and tree nodes); `span` is w floats private to the task.
    private func parallelFor(_ items: Range<Int>, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let pieces = items.count * columns < Self.parallelFloats ? 1 : min(tasks, items.count)
        guard pieces > 1 else {
            for item in items { body(item, scratch) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            for item in stride(from: items.lowerBound + piece, to: items.upperBound, by: pieces) {
                body(item, scratch + piece * groupWidth)
            }
        }
    }
}
