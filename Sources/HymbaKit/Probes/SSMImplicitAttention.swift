import Foundation

/// The SSM heads' implicit ("hidden") attention (Ali et al. 2024), streamed row by row.
///
/// Unrolling the scan, `y[i,c] = Σ_{j≤i} α_c[i,j] · u[j,c] + D[c] · u[i,c]` with
///
/// ```
/// α_c[i,j] = Σ_n C_i[n] · exp(A[c,n] · Σ_{k=j+1..i} Δ_k[c]) · Δ_j[c] · B_j[n]      (j ≤ i)
/// ```
/// SSM head `h` owns channels `h·dv ..< (h+1)·dv`; its map is the mean of α_c over them.
///
/// Instead of the O(T³) triple sum, each head keeps the running products
/// `W_j[n,c] = exp(A[c,n]·Σ_{k=j+1..i} Δ_k[c]) · Δ_j[c] · B_j[n]` for all j ≤ i: moving to row
/// i+1 multiplies every `W_j` by `exp(A[c,n]·Δ_{i+1}[c])` and appends `W_{i+1} = Δ_{i+1}·B_{i+1}`.
/// Cost O(T²·N·dv) per head, memory O(T·N·dv) per head; no T×T map unless an observer keeps one.
struct SSMImplicitAttention {
    let heads: Int
    let metaCount: Int

    /// - Parameters:
    ///   - delta: Δ `(T, E)`; negA: `A` as `(N, E)`; b, c: `(T, N)`.
    ///   - headObserver: receives each wanted head's rows (mean over its channels).
    ///   - channels: individual channels whose rows go to `channelObserver` (slot = index in the list).
    func run(delta: Matrix, negA: Matrix, b: Matrix, c: Matrix,
             headObserver: AttentionRowObserver?, channels: [Int], channelObserver: AttentionRowObserver?) {
        let channelCount = delta.cols, dv = channelCount / heads
        let work = (0..<heads).filter { h in
            (headObserver?.wants(head: h) ?? false) || channels.contains { $0 / dv == h }
        }
        let inputs = Inputs(delta: delta, negA: negA, b: b, c: c)
        DispatchQueue.concurrentPerform(iterations: work.count) { index in
            let h = work[index]
            let wanted = channels.enumerated().filter { $0.element / dv == h }.map { (slot: $0.offset, offset: $0.element - h * dv) }
            streamHead(h, dv: dv, inputs: inputs,
                       headObserver: (headObserver?.wants(head: h) ?? false) ? headObserver : nil,
                       channels: wanted, channelObserver: channelObserver)
        }
    }

    private struct Inputs: @unchecked Sendable {
        let delta, negA, b, c: Matrix
    }

    private func streamHead(_ h: Int, dv: Int, inputs: Inputs, headObserver: AttentionRowObserver?,
                            channels: [(slot: Int, offset: Int)], channelObserver: AttentionRowObserver?) {
        let rows = inputs.delta.rows, width = inputs.delta.cols, states = inputs.negA.rows
        let c0 = h * dv
        let block = states * dv
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: rows * block)   // W_j[n, c]
        let decay = UnsafeMutablePointer<Float>.allocate(capacity: block)
        let perChannel = UnsafeMutablePointer<Float>.allocate(capacity: dv)
        let headRow = UnsafeMutablePointer<Float>.allocate(capacity: rows)
        let channelRows = UnsafeMutablePointer<Float>.allocate(capacity: max(1, channels.count) * rows)
        defer {
            weights.deallocate(); decay.deallocate(); perChannel.deallocate()
            headRow.deallocate(); channelRows.deallocate()
        }
        let scale = 1 / Float(dv)

        inputs.delta.storage.withUnsafeBufferPointer { dp in
        inputs.negA.storage.withUnsafeBufferPointer { ap in
        inputs.b.storage.withUnsafeBufferPointer { bp in
        inputs.c.storage.withUnsafeBufferPointer { cp in
            let delta = dp.baseAddress!, negA = ap.baseAddress!, b = bp.baseAddress!, c = cp.baseAddress!
            for i in 0..<rows {
                let dt = delta + i * width + c0
                for n in 0..<states {
                    let a = negA + n * width + c0
                    for k in 0..<dv { decay[n * dv + k] = dt[k] * a[k] }
                }
                VectorMath.expInPlace(decay, count: block)
                // Age every earlier source by step i, then add source i itself.
                for j in 0..<i {
                    let w = weights + j * block
                    for k in 0..<block { w[k] *= decay[k] }
                }
                let newest = weights + i * block
                for n in 0..<states {
                    let bn = b[i * states + n]
                    for k in 0..<dv { newest[n * dv + k] = dt[k] * bn }
                }
                // Row i: α_c[i, j] = Σ_n C_i[n] · W_j[n, c].
                let ci = c + i * states
                for j in 0...i {
                    let w = weights + j * block
                    for k in 0..<dv { perChannel[k] = 0 }
                    for n in 0..<states {
                        let cn = ci[n]
                        let wn = w + n * dv
                        for k in 0..<dv { perChannel[k] += cn * wn[k] }
                    }
                    var sum: Float = 0
                    for k in 0..<dv { sum += perChannel[k] }
                    headRow[j] = sum * scale
                    for (index, channel) in channels.enumerated() {
                        channelRows[index * rows + j] = perChannel[channel.offset]
                    }
                }
                let keys = (meta: 0..<min(metaCount, i + 1), window: metaCount..<max(metaCount, i + 1))
                headObserver?.observe(head: h, query: i, probabilities: headRow, keys: keys)
                for (index, channel) in channels.enumerated() {
                    channelObserver?.observe(head: channel.slot, query: i, probabilities: channelRows + index * rows, keys: keys)
                }
            }
        }}}}
    }
}
