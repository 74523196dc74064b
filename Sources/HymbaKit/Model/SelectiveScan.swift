import CKernels
import Foundation

/// The selective scan (Mamba's S6 recurrence), sequential over time, parallel over channels:
///
/// ```
/// s₋₁ = 0,   s_t[e,:] = exp(Δ[t,e] · A[e,:]) ⊙ s_{t−1}[e,:] + Δ[t,e] · u[t,e] · B[t,:]
/// y[t,e] = s_t[e,:] · C[t,:] + D[e] · u[t,e]
/// ```
/// fused with the branch's output gate, `S_out = y ⊙ silu(z)`, when `z` is given. The state is
/// kept as (N, channel block) with channels innermost, sixteen lanes at a time
/// (`hl_selective_scan`); blocks of channels are independent and run on all cores. The state is
/// never stored per step — only its per-channel norm when asked.
enum SelectiveScan {
    static let channelsPerTask = 64

    /// What a scan writes besides its output; nil fields are not computed.
    struct Extras {
        var stateNorms: MatrixView?    // (T, E)   ‖s_t[e,:]‖₂
        var finalState: MatrixView?    // (E, N)   s_{T−1}
    }

    /// - Parameters:
    ///   - u: scan input (conv + SiLU output), `(T, E)`; delta: Δ after softplus, `(T, E)`.
    ///   - negA: `A = −exp(A_log)` transposed, `(N, E)`.
    ///   - b, c: `B`, `C` after their RMSNorms, `(T, N)`, contiguous.
    ///   - skip: `D`, `(E)`.
    ///   - initialState: `s₋₁` as `(N, E)` (the state after the meta rows); zero when nil.
    ///   - gate: `z` `(T, E)`, any row stride; the output is multiplied by silu(z) when given.
    ///   - out: `(T, E)`: y, or S_out with a gate.
    static func run(u: MatrixView, delta: MatrixView, negA: Matrix, b: MatrixView, c: MatrixView, skip: [Float],
                    initialState: Matrix? = nil, gate: MatrixView? = nil, into out: MatrixView, extras: Extras = Extras()) {
        let rows = u.rows, channels = u.cols, states = negA.rows
        precondition(u.stride == channels && delta.shape == u.shape && delta.stride == channels
                     && out.shape == u.shape && out.stride == channels && negA.cols == channels
                     && b.shape == [rows, states] && b.stride == states && c.shape == [rows, states] && c.stride == states
                     && skip.count == channels && (gate?.shape ?? u.shape) == u.shape
                     && (extras.stateNorms.map { $0.shape == u.shape && $0.stride == channels } ?? true)
                     && (extras.finalState.map { $0.shape == [channels, states] && $0.stride == states } ?? true)
                     && (initialState?.shape ?? [states, channels]) == [states, channels],
                     "selective scan: shapes do not fit (T \(rows), E \(channels), N \(states))")
        let tasks = (channels + channelsPerTask - 1) / channelsPerTask
        negA.storage.withUnsafeBufferPointer { ap in
        skip.withUnsafeBufferPointer { sp in
        (initialState?.storage ?? []).withUnsafeBufferPointer { ip in
            let problem = hl_scan_problem(
                rows: Int32(rows), channels: Int32(channels), states: Int32(states),
                u: u.base, delta: delta.base, negA: ap.baseAddress!, b: b.base, c: c.base, skip: sp.baseAddress!,
                initialState: initialState == nil ? nil : ip.baseAddress, gate: gate?.base, gateStride: Int32(gate?.stride ?? 0),
                out: out.base, stateNorms: extras.stateNorms?.base, finalState: extras.finalState?.base)
            let shared = SharedProblem(problem: problem)
            let lanes = 16, scratchCount = states * ((channelsPerTask + lanes - 1) / lanes * lanes)
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                let first = task * channelsPerTask, count = min(channels, first + channelsPerTask) - first
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { scratch in
                    withUnsafePointer(to: shared.problem) { p in
                        SubnormalFlush.scope {
                            hl_selective_scan(KernelLevel.best, p, Int32(first), Int32(count), scratch.baseAddress!)
                        }
                    }
                }
            }
        }}}
    }

    /// The problem description the channel-block tasks share; each writes only its own channels.
    private struct SharedProblem: @unchecked Sendable {
        let problem: hl_scan_problem
    }

    /// A scan over whole matrices (for tests and callers outside the forward pass).
    struct Output {
        var y: Matrix                 // (T, E)   before any gate
        var stateNorm: Matrix?        // (T, E)
        var finalState: Matrix?       // (E, N)
    }

    static func run(u: Matrix, delta: Matrix, negA: Matrix, b: Matrix, c: Matrix, skip: [Float],
                    initialState: Matrix? = nil, recordStateNorm: Bool, recordFinalState: Bool) -> Output {
        var output = Output(y: Matrix(rows: u.rows, cols: u.cols),
                            stateNorm: recordStateNorm ? Matrix(rows: u.rows, cols: u.cols) : nil,
                            finalState: recordFinalState ? Matrix(rows: u.cols, cols: negA.rows) : nil)
        var norms = output.stateNorm ?? Matrix(rows: 0, cols: 0), final = output.finalState ?? Matrix(rows: 0, cols: 0)
        u.withView { u in delta.withView { delta in b.withView { b in c.withView { c in
            output.y.withMutableView { y in norms.withMutableView { n in final.withMutableView { f in
                run(u: u, delta: delta, negA: negA, b: b, c: c, skip: skip, initialState: initialState, into: y,
                    extras: Extras(stateNorms: recordStateNorm ? n : nil, finalState: recordFinalState ? f : nil))
            }}}
        }}}}
        if recordStateNorm { output.stateNorm = norms }
        if recordFinalState { output.finalState = final }
        return output
    }
}
