/// Element-wise running mean of fixed-length vectors, one vector per passage, skipping
/// non-finite entries (a head with no qualifying row records NaN):
///
/// ```
/// mean[k] = Σ_p x_p[k] / #{p : x_p[k] finite}        (NaN when no passage had a finite value)
/// ```
/// Sums are kept in Double, so millions of passages lose no precision worth mentioning.
public struct RunningMean: Sendable, Equatable {
    public let count: Int
    private var sums: [Double]
    private var counts: [Int]

    public init(count: Int) {
        self.count = count
        sums = [Double](repeating: 0, count: count)
        counts = [Int](repeating: 0, count: count)
    }

    public mutating func add<V: BinaryFloatingPoint>(_ values: [V]) {
        precondition(values.count == count, "RunningMean of \(count) values was given \(values.count)")
        for k in 0..<count {
            let v = Double(values[k])
            if v.isFinite { sums[k] += v; counts[k] += 1 }
        }
    }

    /// How many passages contributed to entry `k`.
    public func samples(_ k: Int) -> Int { counts[k] }

    public var mean: [Double] {
        (0..<count).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : .nan }
    }
}

/// The mean of the finite values (NaN for none).
public func finiteMean<C: Collection>(_ values: C) -> Double where C.Element == Double {
    var sum = 0.0, n = 0
    for v in values where v.isFinite { sum += v; n += 1 }
    return n > 0 ? sum / Double(n) : .nan
}
