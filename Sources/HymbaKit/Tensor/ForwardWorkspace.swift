import CKernels
import Foundation

/// The scratch buffers of one forward pass, kept across its layers and across calls.
///
/// Every layer needs the same dozen intermediates (in_proj's output, both branch outputs, the
/// SSM's u, Δ, B, C, the MLP's gate/up block, …). Allocating them per layer made every prefill
/// fault in and zero hundreds of MB of fresh pages; a workspace hands out the same memory again.
/// Buffers grow to the largest request and stay (a 2048-token prefill of the 1.5B model keeps
/// about 0.25 GB); their contents are undefined when handed out.
final class ForwardWorkspace {
    /// The intermediates; each slot holds one at a time.
    enum Slot: Int, CaseIterable {
        case normedInput, projected, attentionOut, ssmInput, ssmProjection, dtLow, ssmB, ssmC, delta, ssmOut
        case stateNorms, finalState, mlpNormed, mlpGateUp, attentionScratch
    }

    private var buffers: [UnsafeMutablePointer<Float>?] = Array(repeating: nil, count: Slot.allCases.count)
    private var capacities = [Int](repeating: 0, count: Slot.allCases.count)

    deinit { for buffer in buffers { buffer?.deallocate() } }

    /// Slot `slot` as a `rows × cols` view (contents undefined).
    func view(_ slot: Slot, rows: Int, cols: Int) -> MatrixView {
        MatrixView(base: buffer(slot, count: rows * cols), rows: rows, cols: cols)
    }

    /// At least `count` floats of `slot`'s buffer (contents undefined).
    func buffer(_ slot: Slot, count: Int) -> UnsafeMutablePointer<Float> {
        let index = slot.rawValue
        if let buffer = buffers[index], capacities[index] >= count { return buffer }
        buffers[index]?.deallocate()
        let capacity = max(count, 1)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        _ = hl_advise_huge_pages(buffer, capacity * MemoryLayout<Float>.size)   // before the first write
        buffers[index] = buffer
        capacities[index] = capacity
        return buffer
    }
}

/// A model's workspaces: one per forward pass in flight, reused by later passes.
final class WorkspacePool: @unchecked Sendable {   // the free list is guarded by `lock`
    private let lock = NSLock()
    private var free: [ForwardWorkspace] = []
    /// Free workspaces kept beyond this many are dropped (more passes than cores never run at once
    /// to any benefit, and each workspace holds its buffers).
    private let keep = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs one forward pass on a free workspace, with subnormals flushed on the calling thread.
    func with<R>(_ body: (ForwardWorkspace) throws -> R) rethrows -> R {
        let workspace = take()
        defer { give(workspace) }
        return try SubnormalFlush.scope { try body(workspace) }
    }

    private func take() -> ForwardWorkspace {
        lock.lock(); defer { lock.unlock() }
        return free.popLast() ?? ForwardWorkspace()
    }

    private func give(_ workspace: ForwardWorkspace) {
        lock.lock(); defer { lock.unlock() }
        if free.count < keep { free.append(workspace) }
    }
}
