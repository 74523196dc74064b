/// The reach a head would have if it spread its content mass uniformly — the yardstick for
/// `attn_distance` / `ssm_distance`, which depend on passage length as much as on the head.
///
/// For a passage of n tokens starting with the BOS, row j (the j-th token after the BOS,
/// j = 1 … n−1) has `c_j = min(j, W + 1)` content keys (W = sliding window, ∞ for a global
/// layer), at distances 0 … c_j − 1. Uniform mass over them gives
///
/// ```
/// distance_j = (c_j − 1) / 2              span90_j = ⌈0.9 · c_j⌉ − 1
/// ```
/// averaged over rows and then over passages, as the hook points are. The BOS row has no
/// content key and is skipped, as in the hook points.
public enum UniformReach {
    public static func expected(tokenCounts: [Int], window: Int?) -> (meanDistance: Double, span90: Double) {
        var distances: [Double] = [], spans: [Double] = []
        for n in tokenCounts where n > 1 {
            var distance = 0.0, span = 0.0
            for j in 1..<n {
                let c = window.map { min(j, $0 + 1) } ?? j
                distance += Double(c - 1) / 2
                span += (0.9 * Double(c) * (1 - 1e-9)).rounded(.up) - 1
            }
            distances.append(distance / Double(n - 1))
            spans.append(span / Double(n - 1))
        }
        return (finiteMean(distances), finiteMean(spans))
    }
}
