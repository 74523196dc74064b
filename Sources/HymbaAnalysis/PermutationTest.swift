/// A label-permutation test of "the groups differ": the statistic of the observed grouping is
/// compared with its values when the samples are dealt out to groups of the same sizes at random.
///
/// ```
/// p = (1 + #{ b : S(permutation b) ≥ S(observed) }) / (1 + B)
/// ```
/// The +1 counts the observed grouping as one of the permutations (Phipson & Smyth 2010), so
/// p is never 0 and is a valid p-value for any B. Ties count as "at least as extreme" (with a
/// 1e-12 relative slack), so groups drawn from identical samples give p = 1.
public enum PermutationTest {
    /// The B a run may ask for: with none the test cannot reject anything (p = 1 always), and
    /// ten million already resolves p to 1e-7 at seconds per layer.
    public static let permutationLimits = 1...10_000_000

    /// One line for a B outside `permutationLimits`, or nil when B is fine.
    public static func problem(permutations: Int, option: String = "--permutations") -> String? {
        guard !permutationLimits.contains(permutations) else { return nil }
        return "\(option) must be between \(permutationLimits.lowerBound) and \(permutationLimits.upperBound) (with B permutations the smallest p-value is 1/(B+1)), got \(permutations)"
    }

    public struct Result: Equatable, Sendable {
        public let statistic: Double
        public let pValue: Double
        public let permutations: Int
        public let seed: UInt64
    }

    /// - Returns: NaN p when the observed statistic is not finite.
    /// - Parameters:
    ///   - groups: the samples of each group (any sample type).
    ///   - permutations: B, the number of random relabellings.
    ///   - seed: seeds `SeededGenerator`; the same seed gives the same p.
    ///   - statistic: larger means "more different"; called with groups of the original sizes.
    public static func run<Sample>(groups: [[Sample]], permutations: Int, seed: UInt64,
                                   statistic: ([[Sample]]) -> Double) -> Result {
        let observed = statistic(groups)
        guard observed.isFinite else {
            return Result(statistic: observed, pValue: .nan, permutations: max(0, permutations), seed: seed)
        }
        let sizes = groups.map(\.count)
        var pool = groups.flatMap { $0 }
        var generator = SeededGenerator(seed: seed)
        var atLeast = 0
        let threshold = observed - 1e-12 * max(1, abs(observed))
        for _ in 0..<max(0, permutations) {
            generator.shuffle(&pool)
            var dealt: [[Sample]] = [], start = 0
            for size in sizes {
                dealt.append(Array(pool[start..<(start + size)]))
                start += size
            }
            if statistic(dealt) >= threshold { atLeast += 1 }
        }
        let b = max(0, permutations)
        return Result(statistic: observed, pValue: Double(1 + atLeast) / Double(1 + b), permutations: b, seed: seed)
    }
}
