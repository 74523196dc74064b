import Foundation

/// What one layer carries from the rows it has run to the rows that come after them.
///
/// A layer's output for a row depends on earlier rows only through three things: the post-RoPE
/// keys and values of earlier rows (attention), the last K−1 SSM inputs (the causal conv) and
/// the SSM state (the scan). Running rows `0 ..< p` and keeping these is therefore the same as
/// running them again: a prefill fills the state, each decode step advances it by one row, and
/// the meta-token prefix is the state after the M meta rows, computed once per model (see
/// `CachedState` and docs/generation.md).
struct LayerState: Sendable {
    /// Post-RoPE keys `(p, Hkv·hd)` and values `(p, Hkv·vd)` of every row so far, for layers that
    /// compute K/V (nil for a KV consumer, which reads its producer's). A sliding layer keeps
    /// all rows too: the window is a mask over them, so one copy serves prefill and decode.
    var keyValues: HybridBlock.KeyValues?
    /// The last K−1 rows of the SSM input `xs`, `(K−1, E)`, zero before the sequence starts.
    var convHistory: Matrix
    /// SSM state after the last row, `(N, E)`.
    var ssmState: Matrix

    /// The state before any row: no keys, zero conv history, zero SSM state.
    init(emptyFor config: HymbaConfig, layer: Int) {
        if case .consumer = config.kvRole(layer: layer) {
            keyValues = nil
        } else {
            keyValues = HybridBlock.KeyValues(keys: Matrix(rows: 0, cols: config.keyValueHeads * config.headDim),
                                              values: Matrix(rows: 0, cols: config.keyValueHeads * config.valueHeadDim))
        }
        convHistory = Matrix(rows: config.convWidth - 1, cols: config.innerSize)
        ssmState = Matrix(rows: config.stateSize, cols: config.innerSize)
    }

    init(keyValues: HybridBlock.KeyValues?, convHistory: Matrix, ssmState: Matrix) {
        self.keyValues = keyValues
        self.convHistory = convHistory
        self.ssmState = ssmState
    }
}

/// Every layer's `LayerState` after the first `position` rows of a sequence (meta rows included).
///
/// `HymbaModel.prefill(ids:)` returns one; `HymbaModel.decode(token:state:)` advances it by one
/// row. A state is a value: copying it forks the sequence (the K/V matrices are shared until one
/// copy writes).
public struct CachedState: Sendable {
    /// Rows run so far, meta rows included: the position of the next row.
    public internal(set) var position: Int
    /// The meta-token count of the model that made it (so `tokens` is the real-token count).
    public let metaTokens: Int
    var layers: [LayerState]

    /// Real tokens run so far (prompt and decoded).
    public var tokens: Int { position - metaTokens }

    init(position: Int, metaTokens: Int, layers: [LayerState]) {
        self.position = position
        self.metaTokens = metaTokens
        self.layers = layers
    }

    /// The state before any row (a model without meta tokens starts here).
    init(emptyFor config: HymbaConfig) {
        self.init(position: 0, metaTokens: config.memoryTokens,
                  layers: (0..<config.hiddenLayers).map { LayerState(emptyFor: config, layer: $0) })
    }
}

/// Computes the model's meta-prefix state (the `CachedState` after the M meta rows) on first use
/// and keeps it (thread-safe). Meta rows are the same for every prompt, attend only to each
/// other and start the SSM from zero, so their state is prompt-independent: a probe-free prefill
/// runs only the n real rows on top of it.
final class MetaStateCache: @unchecked Sendable {
    private let lock = NSLock()
    private var value: CachedState?

    func state(computing compute: () -> CachedState) -> CachedState {
        lock.lock(); defer { lock.unlock() }
        if let value { return value }
        let computed = compute()
        value = computed
        return computed
    }
}
