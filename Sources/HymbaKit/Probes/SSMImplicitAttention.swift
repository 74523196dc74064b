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
/// Heads run one after the other: each head splits its elementwise phases over the processors
/// and its sgemms over OpenBLAS's threads, never both at once. (Heads in parallel with
/// single-threaded work inside measured the same on 2 cores, but OpenBLAS would then run its own
/// threads under ours.)
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

        negA.storage.withUnsafeBufferPointer { ap in
            guard rows > 0, let a = ap.baseAddress else { return }
            let inputs = ImplicitAttentionInputs(rows: rows, width: width, states: states, delta: delta.base, negA: a,
                                                 b: b.base, c: c.base)
            // One workspace per group width, made on first use and reused for every head / channel.
            var headBlocks: ImplicitAttentionBlocks?, channelBlocks: ImplicitAttentionBlocks?
            for h in 0..<heads {
                if let headObserver, headObserver.wants(head: h) {
                    let blocks = headBlocks ?? ImplicitAttentionBlocks(inputs: inputs, groupWidth: dv, parallel: true)
                    headBlocks = blocks
                    blocks.stream(firstChannel: h * dv, scale: 1 / Float(dv), firstRow: firstQueryRow) { i, row in
                        headObserver.observe(head: h, query: i, probabilities: row, keys: keys(i))
                    }
                }
                guard let channelObserver else { continue }
                for (slot, channel) in channels.enumerated() where channel / dv == h {
                    let blocks = channelBlocks ?? ImplicitAttentionBlocks(inputs: inputs, groupWidth: 1, parallel: true)
                    channelBlocks = blocks
                    blocks.stream(firstChannel: channel, scale: 1, firstRow: firstQueryRow) { i, row in
                        channelObserver.observe(head: slot, query: i, probabilities: row, keys: keys(i))
                    }
                }
            }
        }
    }
}
