/// Which keys a query row may see in one layer (docs/forward.md, "One layer"):
///
/// ```
/// allowed(t, u) = u ≤ t  ∧  (global ∨ t − u ≤ W ∨ u < M)
/// ```
/// A sliding layer lets row `t` see rows `max(0, t−W) … t` (W+1 rows) plus every meta row.
public struct AttentionMask: Equatable, Sendable {
    /// Meta-token rows at the start of the sequence, always visible (causally).
    public let metaCount: Int
    /// `nil` for a global layer.
    public let window: Int?

    public init(metaCount: Int, window: Int?) {
        self.metaCount = metaCount
        self.window = window
    }

    public init(config: HymbaConfig, layer: Int) {
        self.init(metaCount: config.memoryTokens, window: config.isGlobal(layer: layer) ? nil : config.slidingWindow)
    }

    @inlinable
    public func allows(query t: Int, key u: Int) -> Bool {
        guard u <= t else { return false }
        guard let window else { return true }
        return t - u <= window || u < metaCount
    }

    /// The first non-meta key row `t` may see; its window keys are `windowStart(t) … t`
    /// (none when that is past `t`, i.e. for meta rows).
    @inlinable
    public func windowStart(query t: Int) -> Int {
        guard let window else { return metaCount }
        return max(metaCount, t - window)
    }

    /// Keys a block of query rows may touch, as two contiguous ranges: the meta rows and the
    /// window after them. Scores are computed only over these.
    public func keyRanges(forQueries rows: Range<Int>) -> (meta: Range<Int>, window: Range<Int>) {
        let meta = 0..<min(metaCount, rows.upperBound)
        let start = windowStart(query: rows.lowerBound)
        return (meta, start..<max(start, rows.upperBound))
    }
}
