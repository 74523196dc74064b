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

extension RunningMean: MergeableReducer {
    public mutating func merge(_ other: RunningMean) throws {
        guard other.count == count else {
            throw PartialStateError.incompatible("running means of \(count) and \(other.count) values")
        }
        for k in 0..<count {
            sums[k] += other.sums[k]
            counts[k] += other.counts[k]
        }
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag("RunningMean", version: 1)
        encoder.doubles(sums)
        encoder.integers(counts)
    }

    public init(decoding decoder: inout PartialStateDecoder) throws {
        try decoder.expectTag("RunningMean", version: 1)
        let sums = try decoder.doubles()
        let counts = try decoder.integers(count: sums.count)
        guard counts.allSatisfy({ $0 >= 0 }) else { throw PartialStateError.malformed("a negative count") }
        self.init(count: sums.count)
        self.sums = sums
        self.counts = counts
    }
}

extension Array where Element == RunningMean {
    /// Element-wise merge of per-layer means.
    mutating func merge(_ other: [RunningMean], what: String) throws {
        guard other.count == count else { throw PartialStateError.incompatible("\(what) of \(count) and \(other.count) layers") }
        for i in indices { try self[i].merge(other[i]) }
    }

    func encode(to encoder: inout PartialStateEncoder) {
        encoder.integer(count)
        for mean in self { mean.encode(to: &encoder) }
    }

    init(decoding decoder: inout PartialStateDecoder, count expected: Int, each: Int) throws {
        let count = try decoder.integer()
        guard count == expected else { throw PartialStateError.wrongCount(what: "layers", expected: expected, found: count) }
        self = try (0..<count).map { _ in
            let mean = try RunningMean(decoding: &decoder)
            guard mean.count == each else { throw PartialStateError.wrongCount(what: "values per layer", expected: each, found: mean.count) }
            return mean
        }
    }
}
