import Foundation

/// What the meta-token rows leave behind in every layer, computed once per model.
///
/// Meta rows are the same for every prompt, attend only to each other (causally) and start the
/// SSM from a zero state, so everything they produce is prompt-independent. A prefill without
/// probes therefore runs only the n real rows and takes from here, per layer: the meta rows'
/// post-RoPE keys and values, the last K−1 conv inputs, and the SSM state after the meta rows.
/// Runs with probes take the full T-row path, because recordings include the meta rows.
struct MetaPrefix: Sendable {
    struct Layer: Sendable {
        /// Meta rows' K/V for K/V-computing layers (nil for consumers, which use the producer's).
        var keyValues: HybridBlock.KeyValues?
        /// The last K−1 rows of the SSM input `xs` before the first real row, `(K−1, E)`,
        /// zero where the sequence had not started.
        var convHistory: Matrix
        /// SSM state after the meta rows, `(N, E)`.
        var ssmState: Matrix
    }

    var layers: [Layer]
}

/// Computes the model's `MetaPrefix` on first use and keeps it (thread-safe).
final class MetaPrefixCache: @unchecked Sendable {
    private let lock = NSLock()
    private var value: MetaPrefix?

    func prefix(computing compute: () -> MetaPrefix) -> MetaPrefix {
        lock.lock(); defer { lock.unlock() }
        if let value { return value }
        let computed = compute()
        value = computed
        return computed
    }
}
