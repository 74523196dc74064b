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
/// **Earlier rows.** Rows come in blocks `I = [i0, i1)` of `blockRows` (L). For a key `j < i0`
/// the decay factors through the block's first row, `D(i+1, j+1) = D(i+1, i0) · D(i0, j+1)`, so
/// with K = N·w columns k = (n, c), n-major,
///
/// ```
/// α[I, j] = scale · P_I · R_I[j]ᵀ
/// P_I[i, k] = C_i[n] · D(i+1, i0)          R_I[j, k] = B_j[n] · Δ_j[c] · D(i0, j+1)
/// ```
/// Both factors are ≤ 1 in size (times C or B·Δ), and `R_I[j]` underflows only where every
/// `α[i, j]` of the block is below the smallest normal float anyway. `R_I` is computed afresh for
/// every block, one exp per entry, rather than kept from earlier blocks and rescaled: the exps
/// cost less than carrying a (T, K) array through memory for every block. The `R_I` rows are
/// stacked, and below them the block's own `Q_I ∘ H` (next paragraph), so block I takes one
/// `L × i1 × K` sgemm; key blocks of L rows in front of the first whose decay to the block
/// `G_IJ[k] = D(i0, j1)` has not underflowed to all zeros are zero and left out.
///
/// **The block itself.** Inside a block the pairs `j ≤ i` are factored *directly* where that is
/// safe: per column, with `G_k = |A_k| · (cum[i1] − cum[i0])` the column's decay over the block,
///
/// ```
/// α[I, I] = scale · P_I · (Q_I ∘ H)ᵀ          Q_I[j, k] = B_j[n] · Δ_j[c] · D(i1, j+1)          H_k = exp(G_k) = 1 / D(i1, i0)
/// ```
/// (`P_I` as above). Then `Q_I ∘ H = B_j·Δ_j·exp(−A·(cum[j+1] − cum[i0]))`
/// lies in `[1, e^{G_k}]`·B·Δ and `P_I` in `[e^{−G_k}, 1]`·C, so for `G_k ≤ directSpan` (60) every
/// factor is a normal float and the products (the lower triangle is what is read; the upper one,
/// exp of positive numbers, is scratch never read) keep full precision. The other columns get
/// H_k = 0 and are halved recursively instead: for a node `[a, b)` with midpoint m, every query
/// `i ∈ [m, b)` and key `j ∈ [a, m)` straddle m, and
///
/// ```
/// α[i, j] += scale · Σ_{k fast} (C_i[n] · D(i+1, m)) · (B_j[n] · Δ_j[c] · D(m, j+1))
/// ```
/// is one sgemm over the fast columns, packed; each half then takes the columns that are slow
/// enough over it directly (factors rebased at the half's first row) and halves the rest again.
/// A one-row node is only its diagonal, which is always direct. So a column pays one level per
/// halving its speed needs, and slowly decaying models finish every block within the one sgemm
/// it shares with the earlier blocks. Every factor is one exp of an exponent of magnitude ≤ 60, so it carries that exponent's
/// rounding, |x|·2⁻²⁴ ≤ 4e-6 relative, on top of the exp's few ulp (the tests' float64 reference
/// agrees to ~1e-6 of the map's largest entry).
///
/// **Parallelism.** The elementwise phases (exps, factors, stacking) are split over rows
/// with `concurrentPerform` when `parallel`; the sgemms run between the phases, from the calling
/// thread, on OpenBLAS's own threads. The two never nest.
///
/// Memory per group: the stacked key factors of every row (T·K floats), `L × K` query factors,
/// `2 · L × K` node factors and the `L × T` row buffer with its transpose — never a T×T map.
final class ImplicitAttentionBlocks: @unchecked Sendable {   // concurrent tasks write disjoint rows
    /// Rows per block: the earlier-rows sgemm is `L × i0 × K`, and their key factors cost one
    /// pass over the earlier rows per block (T²K / 2L exps in all); a block's own part is an
    /// `L × L × K` sgemm. Measured on the 1.5B head shape: 256 runs the big sgemm faster (123
    /// against 108 GFLOP/s on one core at T = 640) but computes 20 % more of the wasted upper
    /// triangle and doubles the halving, and is slower overall; 64 is 25 % slower at T = 2176.
    static let blockRows = 128
    /// The largest decay `|A|·ΣΔ` over a span of rows for which a column is factored directly
    /// over the span (factors within e^±60: normal floats, products far from overflow).
    static let directSpan: Float = 60

    private let inputs: ImplicitAttentionInputs
    private let groupWidth: Int                             // w channels
    private let columns: Int                                // K = N·w
    private let blockRows: Int                              // L = min(blockRows, T)
    private let tasks: Int                                  // parallel pieces per phase

    private let cum: UnsafeMutablePointer<Double>           // (T + 1, w) prefix sums of Δ
    private let stacked: UnsafeMutablePointer<Float>        // (T, K) R_I, then Q_I ∘ H, for the current block
    private let gates: UnsafeMutablePointer<Float>          // (T / L + 1, K) G_IJ for the current block
    private let panel: UnsafeMutablePointer<Float>          // (L, K) query factors; P_I at the root
    private let queryFactors: UnsafeMutablePointer<Float>   // (L, K) a node's packed query factors
    private let keyFactors: UnsafeMutablePointer<Float>     // (L, K) a node's packed key factors
    private let out: UnsafeMutablePointer<Float>            // (L, T) the block's rows
    private let transposed: UnsafeMutablePointer<Float>     // (T, L) the block's product, keys by queries
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
        let t = inputs.rows, l = self.blockRows, k = columns
        cum = .allocate(capacity: (t + 1) * groupWidth)
        stacked = .allocate(capacity: t * k)
        gates = .allocate(capacity: (t / l + 1) * k)
        panel = .allocate(capacity: l * k)
        queryFactors = .allocate(capacity: l * k)
        keyFactors = .allocate(capacity: l * k)
        out = .allocate(capacity: l * t)
        transposed = .allocate(capacity: t * l)
        scratch = .allocate(capacity: tasks * groupWidth)
        // The (T, K) factor array is 5 MB at 512 tokens and fresh for every layer.
        _ = hl_advise_huge_pages(stacked, t * k * MemoryLayout<Float>.size)
    }

    deinit {
        cum.deallocate(); stacked.deallocate(); gates.deallocate(); panel.deallocate()
        queryFactors.deallocate(); keyFactors.deallocate(); out.deallocate(); transposed.deallocate(); scratch.deallocate()
    }

    /// Computes `scale · Σ_{c ∈ [first, first + w)} α_c` and hands every row `i ≥ firstRow`
    /// (entries `0...i` valid) to `emit`, in order of `i`, on the calling thread — also when
    /// `parallel`: observers may rely on a head's rows coming whole and in order, and the rows
    /// are cheap next to the sgemms that made them.
    ///
    /// Subnormals are flushed while it runs (`SubnormalFlush`): the decay factors of fast channels
    /// pass through the subnormal range, and the sgemms over them would otherwise crawl.
    func stream(firstChannel first: Int, scale: Float, firstRow: Int = 0,
                emit: (_ row: Int, _ values: UnsafePointer<Float>) -> Void) {
        SubnormalFlush.scope { streamRows(firstChannel: first, scale: scale, firstRow: firstRow, emit: emit) }
    }

    private func streamRows(firstChannel first: Int, scale: Float, firstRow: Int,
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
            // A block wholly before firstRow only has to leave its key factors for later blocks.
            let reported = max(i0, firstRow)..<i1
            let fast = blockFactors(i0..<i1, first: first, withQueries: !reported.isEmpty)
            if !reported.isEmpty {
                product(i0..<i1, first: first, scale: scale)
                if let fast { halve(i0..<i1, columns: fast, blockStart: i0, scale: scale) }
                for i in reported { emit(i, out + (i - i0) * t) }
            }
            i0 = i1
        }
    }

    // MARK: - Blocks

    /// The block's factors, when its rows are wanted (a block before the first wanted row has
    /// nothing to do: later blocks compute their key factors afresh): `P_I` into `panel` and
    /// `Q_I ∘ H` into `stacked[I]` with `H_k = exp(G_k)` for the columns slow enough over the block
    /// and 0 for the others, which are returned (nil when there are none) for `halve`.
    private func blockFactors(_ block: Range<Int>, first: Int, withQueries: Bool) -> Columns? {
        guard withQueries else { return nil }
        let k = columns, i0 = block.lowerBound, i1 = block.upperBound
        let all = Columns(group: self, first: first, indices: Array(0..<k))
        let decay = all.spans(from: i0, to: i1)
        let growth = keyFactors                  // K floats of scratch until `halve` runs
        var fast: [Int] = []
        for column in 0..<k {
            if decay[column] <= Self.directSpan {
                growth[column] = decay[column]
            } else {
                growth[column] = -.infinity      // exp(−inf) = 0: left to the halving
                fast.append(column)
            }
        }
        hl_exp_in_place(KernelLevel.best, growth, k)
        parallelFor(block) { i, span in
            queryRow(into: panel + (i - i0) * k, query: i, boundary: i0, first: first, span: span)
            keyRow(into: stacked + i * k, key: i, boundary: i1, first: first, span: span)
            hl_multiply(KernelLevel.best, stacked + i * k, stacked + i * k, growth, k)
        }
        return fast.isEmpty ? nil : all.subset(fast)
    }

    /// The pairs of `node` across its midpoint for `columns`, then each half: its slow-enough
    /// columns directly, the rest halved again.
    private func halve(_ node: Range<Int>, columns: Columns, blockStart i0: Int, scale: Float) {
        let t = inputs.rows, kk = columns.count, a = node.lowerBound, b = node.upperBound, m = a + node.count / 2
        // Across m: C_i·D(i+1, m) for queries in [m, b), B_j·Δ_j·D(m, j+1) for keys in [a, m).
        parallelFor(m..<b, columns: kk) { i, _ in
            columns.fill(self.queryFactors + (i - m) * kk, row: i, upper: i + 1, lower: m, weight: .query)
        }
        parallelFor(a..<m, columns: kk) { j, _ in
            columns.fill(self.keyFactors + (j - a) * kk, row: j, upper: m, lower: j + 1, weight: .key)
        }
        BLAS.sgemm(transA: false, transB: true, m: b - m, n: m - a, k: kk, alpha: scale,
                   a: queryFactors, lda: kk, b: keyFactors, ldb: kk, beta: 1, c: out + (m - i0) * t + a, ldc: t)
        for half in [a..<m, m..<b] {
            if half.count == 1 {
                out[(half.lowerBound - i0) * t + half.lowerBound] += scale * columns.diagonal(row: half.lowerBound)
                continue
            }
            let decay = columns.spans(from: half.lowerBound + 1, to: half.upperBound)
            let slow = (0..<kk).filter { decay[$0] <= Self.directSpan }
            if !slow.isEmpty { direct(half, columns: columns.subset(slow), blockStart: i0, scale: scale) }
            if slow.count < kk {
                halve(half, columns: columns.subset((0..<kk).filter { decay[$0] > Self.directSpan }), blockStart: i0, scale: scale)
            }
        }
    }

    /// Every pair `j ≤ i` of `node` for `columns` slow over it, factored at the node's first row
    /// r: `C_i·D(i+1, r+1)` (≤ 1) times `B_j·Δ_j / D(j+1, r+1)` (≤ e^directSpan).
    private func direct(_ node: Range<Int>, columns: Columns, blockStart i0: Int, scale: Float) {
        let t = inputs.rows, kk = columns.count, a = node.lowerBound, reference = a + 1
        parallelFor(node, columns: kk) { i, _ in
            columns.fill(self.queryFactors + (i - a) * kk, row: i, upper: i + 1, lower: reference, weight: .query)
            columns.fill(self.keyFactors + (i - a) * kk, row: i, upper: i + 1, lower: reference, weight: .inverseKey)
        }
        BLAS.sgemm(transA: false, transB: true, m: node.count, n: node.count, k: kk, alpha: scale,
                   a: queryFactors, lda: kk, b: keyFactors, ldb: kk, beta: 1, c: out + (a - i0) * t + a, ldc: t)
    }

    /// A packed list of the group's columns k = (n, c), with what their factors need.
    private struct Columns {
        let group: ImplicitAttentionBlocks
        let first: Int
        let indices: [Int]
        private let states: [Int32]        // n of each column
        private let channels: [Int32]      // c of each column (offset in the group)
        private let rates: [Float]         // A[first + c, n]
        private let growthRates: [Float]   // −A[first + c, n], for factors that divide by a decay

        init(group: ImplicitAttentionBlocks, first: Int, indices: [Int]) {
            self.group = group
            self.first = first
            self.indices = indices
            let w = group.groupWidth, inputs = group.inputs
            states = indices.map { Int32($0 / w) }
            channels = indices.map { Int32($0 % w) }
            rates = indices.map { inputs.negA[($0 / w) * inputs.width + first + $0 % w] }
            growthRates = rates.map { -$0 }
        }

        var count: Int { indices.count }

        /// The columns at `positions` of this list.
        func subset(_ positions: [Int]) -> Columns {
            Columns(group: group, first: first, indices: positions.map { indices[$0] })
        }

        /// `|A_k| · (cum[upper] − cum[lower])` per column: its decay over that span.
        func spans(from lower: Int, to upper: Int) -> [Float] {
            let w = group.groupWidth, high = group.cum + upper * w, low = group.cum + lower * w
            return (0..<count).map { -rates[$0] * Float(high[Int(channels[$0])] - low[Int(channels[$0])]) }
        }

        enum Weight { case query, key, inverseKey }

        /// `x[·] = weight · exp(±A·(cum[upper] − cum[lower]))` for every column: `.query` C_row[n]
        /// with the decay, `.key` B_row[n]·Δ_row[c] with the decay, `.inverseKey` B_row[n]·Δ_row[c]
        /// divided by it (the `hl_packed_decay_row` kernel).
        func fill(_ x: UnsafeMutablePointer<Float>, row: Int, upper: Int, lower: Int, weight: Weight) {
            let w = group.groupWidth, inputs = group.inputs
            let high = group.cum + upper * w, low = group.cum + lower * w
            let weightN = (weight == .query ? inputs.c : inputs.b) + row * inputs.states
            let weightC = weight == .query ? nil : inputs.delta + row * inputs.width + first
            (weight == .inverseKey ? growthRates : rates).withUnsafeBufferPointer { r in
            channels.withUnsafeBufferPointer { channelOf in states.withUnsafeBufferPointer { stateOf in
                hl_packed_decay_row(KernelLevel.best, x, Int32(count), r.baseAddress, channelOf.baseAddress,
                                    stateOf.baseAddress, high, low, weightN, weightC)
            }}}
        }

        /// α's diagonal at `row` over these columns: Σ C_row[n]·B_row[n]·Δ_row[c] (no decay).
        func diagonal(row: Int) -> Float {
            let inputs = group.inputs
            let cRow = inputs.c + row * inputs.states, bRow = inputs.b + row * inputs.states
            let dRow = inputs.delta + row * inputs.width + first
            var sum: Float = 0
            for index in 0..<count {
                let n = Int(states[index])
                sum += cRow[n] * bRow[n] * dRow[Int(channels[index])]
            }
            return sum
        }
    }

    /// `out[I, 0..<i1] = scale · P_I · [R_I; Q_I ∘ H]ᵀ` — the earlier rows and
    /// the block's own direct part in one sgemm, from the first block whose `G_IJ` has not
    /// underflowed to all zeros; zeros before it.
    private func product(_ rows: Range<Int>, first: Int, scale: Float) {
        let t = inputs.rows, l = blockRows, k = columns, i0 = rows.lowerBound, i1 = rows.upperBound
        let blocks = i0 / l                                     // all full: i0 is a multiple of L
        parallelFor(0..<blocks) { block, span in
            fillDecays(into: gates + block * k, upper: i0, lower: (block + 1) * l, first: first, span: span)
        }
        var live = 0
        while live < blocks, !(0..<k).contains(where: { gates[live * k + $0] != 0 }) { live += 1 }
        let j0 = live * l
        for r in 0..<rows.count { (out + r * t).update(repeating: 0, count: j0) }
        parallelFor(j0..<i0) { j, span in
            keyRow(into: stacked + j * k, key: j, boundary: i0, first: first, span: span)
        }
        // Computed as its transpose, keys by queries: OpenBLAS runs this shape (M = i1 − j0 up to
        // T, N = L) about 12 % faster on one core than L × (i1 − j0) at the 1.5B head shape,
        // transposing copy included.
        let b = rows.count
        BLAS.sgemm(transA: false, transB: true, m: i1 - j0, n: b, k: k, alpha: scale,
                   a: stacked + j0 * k, lda: k, b: panel, ldb: k, c: transposed, ldc: b)
        BLAS.transpose(rows: i1 - j0, cols: b, a: transposed, lda: b, b: out + j0, ldb: t)
    }

    // MARK: - Rows of the factors

    /// `x[(n, c)] = D(upper, lower) = exp(A[c,n] · (cum[upper, c] − cum[lower, c]))` over the
    /// group's channels (K floats); `span` is w floats of scratch.
    private func fillDecays(into x: UnsafeMutablePointer<Float>, upper: Int, lower: Int, first: Int,
                            span: UnsafeMutablePointer<Float>) {
        decayRow(into: x, upper: upper, lower: lower, first: first, span: span, weightN: nil, weightC: nil)
    }

    /// A query row through `boundary ≤ query`: `row[(n, c)] = C_query[n] · D(query+1, boundary)`.
    private func queryRow(into row: UnsafeMutablePointer<Float>, query: Int, boundary: Int, first: Int,
                          span: UnsafeMutablePointer<Float>) {
        decayRow(into: row, upper: query + 1, lower: boundary, first: first, span: span,
                 weightN: inputs.c + query * inputs.states, weightC: nil)
    }

    /// A key row through `boundary > key`: `row[(n, c)] = B_key[n] · Δ_key[c] · D(boundary, key+1)`.
    private func keyRow(into row: UnsafeMutablePointer<Float>, key: Int, boundary: Int, first: Int,
                        span: UnsafeMutablePointer<Float>) {
        decayRow(into: row, upper: boundary, lower: key + 1, first: first, span: span,
                 weightN: inputs.b + key * inputs.states, weightC: inputs.delta + key * inputs.width + first)
    }

    /// `row[(n, c)] = weightN[n] · weightC[c] · D(upper, lower)` (the `hl_decay_row` kernel).
    private func decayRow(into row: UnsafeMutablePointer<Float>, upper: Int, lower: Int, first: Int,
                          span: UnsafeMutablePointer<Float>, weightN: UnsafePointer<Float>?, weightC: UnsafePointer<Float>?) {
        let w = groupWidth
        let high = cum + upper * w, low = cum + lower * w
        for c in 0..<w { span[c] = Float(high[c] - low[c]) }
        hl_decay_row(KernelLevel.best, row, Int32(inputs.states), Int32(w), inputs.negA + first, Int32(inputs.width),
                     span, weightN, weightC)
    }

    // MARK: - Parallel phases

    /// Phases touching fewer floats than this run on the calling thread.
    private static let parallelFloats = 1 << 16

    /// `body(item, span)` for every item, dealt round-robin over the tasks (items of one phase can
    /// differ in cost); `span` is w floats private to the task. `columns` is the floats each item
    /// writes (K when not given), which decides whether the phase is worth splitting.
    private func parallelFor(_ items: Range<Int>, columns: Int? = nil, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let pieces = items.count * (columns ?? self.columns) < Self.parallelFloats ? 1 : min(tasks, items.count)
        guard pieces > 1 else {
            for item in items { body(item, scratch) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            SubnormalFlush.scope {
                for item in stride(from: items.lowerBound + piece, to: items.upperBound, by: pieces) {
                    body(item, scratch + piece * groupWidth)
                }
            }
        }
    }
}
