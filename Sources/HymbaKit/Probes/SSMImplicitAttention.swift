import Foundation

/// The SSM heads' implicit ("hidden") attention (Ali et al. 2024), streamed row by row.
///
/// Unrolling the scan, `y[i,c] = Σ_{j≤i} α_c[i,j] · u[j,c] + D[c] · u[i,c]` with
///
/// ```
/// α_c[i,j] = Σ_n C_i[n] · exp(A[c,n] · Σ_{k=j+1..i} Δ_k[c]) · Δ_j[c] · B_j[n]      (j ≤ i)
/// ```
/// SSM head `h` owns channels `h·dv ..< (h+1)·dv`; its map is the mean of α_c over them. A listed
/// channel's map is α_c itself.
///
/// Both are one computation over a group of channels — dv channels with scale 1/dv for a head,
/// one channel with scale 1 — done by `ImplicitAttentionBlocks`: blocks of rows, the decay factored
/// through block boundaries so that the bulk of the work is sgemms with K = N·(group width).
/// O(T²·N·dv) flops per head at GEMM speed, O(T·N·dv) memory per head; no T×T map exists unless an
/// observer keeps one.
///
/// Heads (and listed channels) run in parallel, one per core, each single-threaded inside with its
/// own workspace and OpenBLAS limited to one thread. Measured on the 1.5B head shape (2 cores, T =
/// 640 / 2176): 0.079 / 0.60 s for five heads against 0.111 / 0.88 s with heads one after the
/// other and every phase split over the cores, where OpenBLAS's idle workers spin between the
/// many short sgemms and the dispatch threads of the phases in between.
struct SSMImplicitAttention {
    let heads: Int
    let metaCount: Int

    /// - Parameters:
    ///   - delta: Δ `(T, E)`; negA: `A` as `(N, E)`; b, c: `(T, N)`.
    ///   - headObserver: receives each wanted head's rows (mean over its channels).
    ///   - channels: individual channels whose rows go to `channelObserver` (slot = index in the list).
    ///   - firstQueryRow: rows before it are not reported (they still serve as keys).
    func run(delta: Matrix, negA: Matrix, b: Matrix, c: Matrix, firstQueryRow: Int = 0,
             headObserver: AttentionRowObserver?, channels: [Int], channelObserver: AttentionRowObserver?) {
        delta.withView { delta in b.withView { b in c.withView { c in
            run(delta: delta, negA: negA, b: b, c: c, firstQueryRow: firstQueryRow,
                headObserver: headObserver, channels: channels, channelObserver: channelObserver)
        }}}
    }

    /// The same on views (Δ, B, C contiguous: the forward's workspace buffers).
    func run(delta: MatrixView, negA: Matrix, b: MatrixView, c: MatrixView, firstQueryRow: Int = 0,
             headObserver: AttentionRowObserver?, channels: [Int], channelObserver: AttentionRowObserver?) {
        let rows = delta.rows, width = delta.cols, states = negA.rows
        precondition(heads > 0 && width % heads == 0, "SSM implicit attention: E = \(width) not divisible into \(heads) heads")
        precondition(negA.cols == width && b.shape == [rows, states] && c.shape == [rows, states]
                     && delta.stride == width && b.stride == states && c.stride == states,
                     "SSM implicit attention: Δ \(delta.shape), A \(negA.shape), B \(b.shape), C \(c.shape)")
        precondition(channels.allSatisfy { (0..<width).contains($0) }, "SSM implicit attention: channel outside 0..<\(width)")
        let dv = width / heads
        let keys = { (i: Int) in (meta: 0..<min(metaCount, i + 1), window: metaCount..<max(metaCount, i + 1)) }

        // The work: every wanted head (dv channels, mean), then every listed channel.
        var items: [(observer: AttentionRowObserver, slot: Int, first: Int, width: Int)] = []
        for h in 0..<heads {
            if let headObserver, headObserver.wants(head: h) { items.append((headObserver, h, h * dv, dv)) }
        }
        if let channelObserver {
            for (slot, channel) in channels.enumerated() { items.append((channelObserver, slot, channel, 1)) }
        }
        guard rows > 0, !items.isEmpty else { return }
        negA.storage.withUnsafeBufferPointer { ap in
            let inputs = ImplicitAttentionInputs(rows: rows, width: width, states: states, delta: delta.base, negA: ap.baseAddress!,
                                                 b: b.base, c: c.base)
            let work = SharedItems(items: items), next = WorkCounter()
            let workers = min(items.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
            BLAS.singleThreaded {
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    // One workspace per group width, made on first use and reused for every item.
                    var workspaces: [Int: ImplicitAttentionBlocks] = [:]
                    while let index = next.take(below: work.items.count) {
                        let item = work.items[index]
                        let blocks = workspaces[item.width] ?? ImplicitAttentionBlocks(inputs: inputs, groupWidth: item.width, parallel: false)
                        workspaces[item.width] = blocks
                        blocks.stream(firstChannel: item.first, scale: 1 / Float(item.width), firstRow: firstQueryRow) { i, row in
                            item.observer.observe(head: item.slot, query: i, probabilities: row, keys: keys(i))
                        }
                    }
                }
            }
        }
    }

    /// The work items, read by every worker.
    private struct SharedItems: @unchecked Sendable {
        let items: [(observer: AttentionRowObserver, slot: Int, first: Int, width: Int)]
    }
}
