/// Ready-made masks for attention maps (`true` = masked), row-major `size × size`, query i in row
/// i and key j in column j.
///
/// They encode the usual visibility rules so callers need not rebuild them; any other pattern can
/// be passed to `Heatmap(mask:)` directly.
public enum AttentionMask {
    /// Future keys are masked: key j is visible from query i iff j ≤ i.
    public static func causal(size: Int) -> [Bool] {
        slidingWindow(size: size, window: max(size, 1), alwaysVisiblePrefix: 0)
    }

    /// Causal plus a local window, with a prefix that every query always sees (e.g. meta tokens):
    /// key j is visible from query i iff j ≤ i and (i − j < `window` or j < `alwaysVisiblePrefix`).
    public static func slidingWindow(size: Int, window: Int, alwaysVisiblePrefix: Int = 0) -> [Bool] {
        guard size > 0 else { return [] }
        var mask = [Bool](repeating: true, count: size * size)
        for i in 0..<size {
            for j in 0...i where i - j < window || j < alwaysVisiblePrefix {
                mask[i * size + j] = false
            }
        }
        return mask
    }
}
