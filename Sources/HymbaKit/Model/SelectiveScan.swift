import Foundation

/// The selective scan (Mamba's S6 recurrence), sequential over time, parallel over channels:
///
/// ```
/// s₋₁ = 0,   s_t[e,:] = exp(Δ[t,e] · A[e,:]) ⊙ s_{t−1}[e,:] + Δ[t,e] · u[t,e] · B[t,:]
/// y[t,e] = s_t[e,:] · C[t,:] + D[e] · u[t,e]
/// ```
/// The state is kept as (N, channel block) with channels innermost, eight lanes at a time;
/// blocks of channels are independent and run on all cores. The state is never stored per
/// step — only its per-channel norm when asked.
struct SelectiveScan {
    struct Output {
        var y: Matrix                 // (T, E)   before the silu(z) gate
        var stateNorm: Matrix?        // (T, E)   ‖s_t[e,:]‖₂ when requested
        var finalState: Matrix?       // (E, N)   s_{T−1} when requested
    }

    static let channelsPerTask = 64

    /// - Parameters:
    ///   - u: scan input (conv + SiLU output), `(T, E)`.
    ///   - delta: Δ after softplus, `(T, E)`.
    ///   - negA: `A = −exp(A_log)` transposed, `(N, E)`.
    ///   - b, c: `B`, `C` after their RMSNorms, `(T, N)`.
    ///   - skip: `D`, `(E)`.
    ///   - initialState: `s₋₁` as `(N, E)` (the state after the meta rows); zero when nil.
    static func run(u: Matrix, delta: Matrix, negA: Matrix, b: Matrix, c: Matrix, skip: [Float],
                    initialState: Matrix? = nil, recordStateNorm: Bool, recordFinalState: Bool) -> Output {
        let rows = u.rows, channels = u.cols, states = negA.rows
        var y = Matrix(rows: rows, cols: channels)
        var norms = recordStateNorm ? Matrix(rows: rows, cols: channels) : nil
        var final = recordFinalState ? Matrix(rows: channels, cols: states) : nil
        let tasks = (channels + channelsPerTask - 1) / channelsPerTask

        u.storage.withUnsafeBufferPointer { up in
        delta.storage.withUnsafeBufferPointer { dp in
        negA.storage.withUnsafeBufferPointer { ap in
        b.storage.withUnsafeBufferPointer { bp in
        c.storage.withUnsafeBufferPointer { cp in
        skip.withUnsafeBufferPointer { skipP in
        (initialState?.storage ?? []).withUnsafeBufferPointer { initialP in
        y.storage.withUnsafeMutableBufferPointer { yp in
            let normP = norms.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: rows * channels) }
            let finalP = final.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: channels * states) }
            let pointers = Pointers(u: up.baseAddress!, delta: dp.baseAddress!, negA: ap.baseAddress!,
                                    b: bp.baseAddress!, c: cp.baseAddress!, skip: skipP.baseAddress!,
                                    initial: initialState == nil ? nil : initialP.baseAddress!,
                                    y: yp.baseAddress!, norms: normP, final: finalP)
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                let e0 = task * channelsPerTask
                scanBlock(channels: e0..<min(channels, e0 + channelsPerTask), rows: rows,
                          width: channels, states: states, p: pointers)
            }
            if let normP {
                norms!.storage.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: normP, count: rows * channels) }
                normP.deallocate()
            }
            if let finalP {
                final!.storage.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: finalP, count: channels * states) }
                finalP.deallocate()
            }
        }}}}}}}}
        return Output(y: y, stateNorm: norms, finalState: final)
    }

    /// Raw views shared by the channel-block tasks; each task writes only its own channels.
    private struct Pointers: @unchecked Sendable {
        let u, delta, negA, b, c, skip: UnsafePointer<Float>
        let initial: UnsafePointer<Float>?              // (N, E)
        let y: UnsafeMutablePointer<Float>
        let norms: UnsafeMutablePointer<Float>?
        let final: UnsafeMutablePointer<Float>?
    }

    private typealias Lanes = SIMD8<Float>

    private static func scanBlock(channels range: Range<Int>, rows: Int, width: Int, states: Int, p: Pointers) {
        let lanes = 8
        let vectorChannels = range.count / lanes * lanes
        let count = range.count
        // state[n * count + j] for channel range.lowerBound + j
        let state = UnsafeMutablePointer<Float>.allocate(capacity: states * count)
        state.initialize(repeating: 0, count: states * count)
        defer { state.deallocate() }
        let e0 = range.lowerBound
        if let initial = p.initial {
            for n in 0..<states { (state + n * count).update(from: initial + n * width + e0, count: count) }
        }

        for t in 0..<rows {
            let rowOffset = t * width + e0
            let bRow = p.b + t * states, cRow = p.c + t * states
            var j = 0
            while j < vectorChannels {
                let dt = load(p.delta + rowOffset + j)
                let x = load(p.u + rowOffset + j)
                let dtx = dt * x
                var acc = Lanes(repeating: 0)
                var squares = Lanes(repeating: 0)
                for n in 0..<states {
                    let decay = VectorMath.exp(dt * load(p.negA + n * width + e0 + j))
                    let slot = state + n * count + j
                    let s = decay * load(slot) + dtx * bRow[n]
                    store(s, slot)
                    acc += s * cRow[n]
                    squares += s * s
                }
                store(acc + load(p.skip + e0 + j) * x, p.y + rowOffset + j)
                if let norms = p.norms { store(squares.squareRoot(), norms + rowOffset + j) }
                j += lanes
            }
            while j < count {
                let dt = p.delta[rowOffset + j], x = p.u[rowOffset + j]
                var acc: Float = 0, squares: Float = 0
                for n in 0..<states {
                    let decay = VectorMath.exp(dt * p.negA[n * width + e0 + j])
                    let s = decay * state[n * count + j] + dt * x * bRow[n]
                    state[n * count + j] = s
                    acc += s * cRow[n]
                    squares += s * s
                }
                p.y[rowOffset + j] = acc + p.skip[e0 + j] * x
                p.norms?[rowOffset + j] = squares.squareRoot()
                j += 1
            }
        }
        if let final = p.final {
            for j in 0..<count { for n in 0..<states { final[(e0 + j) * states + n] = state[n * count + j] } }
        }
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }
    @inline(__always) private static func load(_ p: UnsafeMutablePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }
    @inline(__always) private static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }
}
