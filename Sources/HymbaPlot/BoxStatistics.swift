import Foundation

/// Tukey box-plot summary of one sample, as matplotlib and the Hymba paper draw it.
///
/// Quartiles use linear interpolation between order statistics (numpy's default, "type 7");
/// whiskers reach the most extreme data points within 1.5 × IQR of the box; points beyond are
/// outliers.
public struct BoxStatistics: Hashable, Sendable {
    public let count: Int
    public let lowerQuartile: Double
    public let median: Double
    public let upperQuartile: Double
    public let lowerWhisker: Double
    public let upperWhisker: Double
    public let outliers: [Double]

    /// Whiskers end at the last data point within this many IQRs of the box.
    public static let whiskerReach = 1.5

    /// nil when the sample has no finite value (NaN and ±∞ are ignored).
    public init?(samples: [Double]) {
        let sorted = samples.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
            return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
        }
        count = sorted.count
        let q1 = quantile(0.25), q3 = quantile(0.75)
        let reach = Self.whiskerReach * (q3 - q1)
        let low = q1 - reach, high = q3 + reach
        let inside = sorted.filter { $0 >= low && $0 <= high }
        lowerQuartile = q1
        median = quantile(0.5)
        upperQuartile = q3
        lowerWhisker = inside.first ?? q1
        upperWhisker = inside.last ?? q3
        outliers = sorted.filter { $0 < low || $0 > high }
    }
}
