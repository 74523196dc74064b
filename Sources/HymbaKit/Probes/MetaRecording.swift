import Foundation

/// The meta rows' part of a recording, computed once per model and plan.
///
/// Meta rows are the same for every prompt and never see a real token, so whatever a plan
/// records of them — their rows of every `[T, …]` point and of every `[·, T, T]` map — is the
/// same in every recording. A recorded prefill therefore runs only the n real rows, like a
/// plain one (the meta rows' K/V, conv tail and SSM state come from the cached meta-prefix state, `CachedState`), and the
/// recorder puts these rows in front of what the real rows produce. The SSM implicit attention
/// of real rows also reads the meta rows' Δ, B and C, which the meta run records for that reason.
struct MetaRecording: Sendable {
    /// Recording keys → the meta rows' tensors: `[M, …]` for per-row points, `[k, M, M]` for maps.
    let tensors: [String: Tensor]
}

/// A model's meta recordings by plan, computed on first use; the few most recent plans are kept.
final class MetaRecordingCache: @unchecked Sendable {   // guarded by `lock`
    private let lock = NSLock()
    private var entries: [(plan: RecordingPlan, recording: MetaRecording)] = []
    private let keep = 4

    func recording(for plan: RecordingPlan, computing compute: () -> MetaRecording) -> MetaRecording {
        lock.lock(); defer { lock.unlock() }
        if let index = entries.firstIndex(where: { $0.plan == plan }) {
            let entry = entries.remove(at: index)
            entries.append(entry)
            return entry.recording
        }
        let recording = compute()
        entries.append((plan, recording))
        if entries.count > keep { entries.removeFirst() }
        return recording
    }
}
