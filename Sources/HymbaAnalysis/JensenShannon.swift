import Foundation

/// Jensen–Shannon divergence of two non-negative profiles, each first scaled to sum 1:
///
/// ```
/// JSD(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m),   m = ½ (p + q),   KL(a ‖ b) = Σ_k a_k ln(a_k / b_k)
/// ```
/// In nats, so 0 ≤ JSD ≤ ln 2: 0 exactly for equal profiles, ln 2 for profiles with disjoint
/// support. Terms with a_k = 0 contribute 0.
public enum JensenShannon {
    /// - Returns: NaN when either profile has no positive mass or a negative / non-finite entry.
    public static func divergence(_ p: [Double], _ q: [Double]) -> Double {
        precondition(p.count == q.count, "profiles of different lengths")
        guard let p = normalized(p), let q = normalized(q) else { return .nan }
        var sum = 0.0
        for k in p.indices {
            let m = (p[k] + q[k]) / 2
            if p[k] > 0 { sum += 0.5 * p[k] * Foundation.log(p[k] / m) }
            if q[k] > 0 { sum += 0.5 * q[k] * Foundation.log(q[k] / m) }
        }
        return max(0, sum)
    }

    /// `x / Σx`, or nil when `x` is not a non-negative profile with positive mass.
    public static func normalized(_ x: [Double]) -> [Double]? {
        guard x.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        let total = x.reduce(0, +)
        guard total > 0 else { return nil }
        return x.map { $0 / total }
    }
}
