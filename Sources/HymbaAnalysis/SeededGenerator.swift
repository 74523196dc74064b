/// A small, fully specified random number generator (SplitMix64, Steele et al. 2014), so that
/// a permutation test with the same seed gives the same p-value on every machine and Swift
/// version — unlike `SystemRandomNumberGenerator` or the unspecified algorithm of
/// `shuffle(using:)`.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0 ..< bound` without modulo bias (Lemire's multiply-and-reject).
    public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        while true {
            let product = next().multipliedFullWidth(by: b)
            if product.low >= (0 &- b) % b { return Int(product.high) }
        }
    }

    /// Fisher–Yates shuffle in place, drawing from this generator.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = uniform(below: i + 1)
            if i != j { items.swapAt(i, j) }
        }
    }
}
