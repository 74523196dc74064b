import Foundation

/// A small, fast, fully specified random number generator (SplitMix64, Steele, Lea & Flood 2014):
/// `init --seed S` and `generate --seed S` give the same weights and the same samples on every
/// machine and Swift version, which `SystemRandomNumberGenerator` cannot.
///
/// ```
/// state += 0x9E3779B97F4A7C15;  z = state
/// z = (z ⊕ z≫30)·0xBF58476D1CE4E5B9;  z = (z ⊕ z≫27)·0x94D049BB133111EB;  next = z ⊕ z≫31
/// ```
struct SplitMix64 {
    private var state: UInt64
    private var spare: Float?

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 24 bits.
    mutating func unit() -> Float { Float(next() >> 40) * (1 / Float(1 << 24)) }

    /// Uniform in [0, 1), 53 bits (the top 53 bits of `next()`).
    mutating func unitDouble() -> Double { Double(next() >> 11) * (1 / Double(UInt64(1) << 53)) }

    /// Standard normal (Box–Muller, both values used).
    mutating func normal() -> Float {
        if let value = spare { spare = nil; return value }
        let u1 = max(Double(next() >> 11) * (1 / Double(1 << 53)), 1e-300)
        let u2 = Double(next() >> 11) * (1 / Double(1 << 53))
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        spare = Float(radius * Foundation.sin(2 * .pi * u2))
        return Float(radius * Foundation.cos(2 * .pi * u2))
    }
}
