import Foundation

/// Elementwise kernels over contiguous fp32 buffers.
///
/// `exp` is the hot transcendental of the forward pass (the selective scan evaluates
/// `exp(Δ·A)` for every position × channel × state, the softmax once per score), so it runs
/// eight lanes at a time with a Cephes-style polynomial: relative error ≤ 2 ulp on
/// [-87.3, 88.7], exactly 0 below, +inf above — far below the 2e-4 parity criterion.
enum VectorMath {
    typealias Lanes = SIMD8<Float>

    private static let log2e: Float = 1.442_695_04
    // ln 2 split in a high part exact in float and a low correction (Cody–Waite reduction).
    private static let ln2Hi: Float = 0.693_359_375
    private static let ln2Lo: Float = -2.121_944_4e-4

    /// eˣ for eight lanes.
    @inline(__always)
    static func exp(_ x: Lanes) -> Lanes {
        let clamped = x.clamped(lowerBound: Lanes(repeating: -87.336_55), upperBound: Lanes(repeating: 88.376_26))
        let k = (clamped * log2e).rounded(.toNearestOrEven)
        var r = clamped - k * ln2Hi
        r = r - k * ln2Lo
        // e^r on |r| ≤ ln2/2: 1 + r + r²·P(r)
        var p = Lanes(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5.000_000_1e-1
        let er = p * (r * r) + r + 1
        // 2^k by building the exponent bits directly.
        let ki = SIMD8<Int32>(k, rounding: .towardZero)
        let scaleBits = (ki &+ 127) &<< 23
        let scale = unsafeBitCast(scaleBits, to: Lanes.self)
        var result = er * scale
        result.replace(with: 0, where: x .< -87.336_55)
        result.replace(with: .infinity, where: x .> 88.376_26)
        return result
    }

    /// eˣ for one value through the same polynomial, so scalar tails match the vector body.
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(Lanes(repeating: x))[0] }

    /// `buffer[i] = exp(buffer[i])` over `count` values.
    static func expInPlace(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(buffer + i)
            let v = raw.loadUnaligned(as: Lanes.self)
            raw.storeBytes(of: exp(v), as: Lanes.self)
            i += 8
        }
        while i < count { buffer[i] = exp(buffer[i]); i += 1 }
    }

    /// SiLU `x · σ(x) = x / (1 + e^{-x})`, as torch evaluates it.
    @inline(__always)
    static func silu(_ x: Float) -> Float { x / (1 + Foundation.exp(-x)) }

    /// torch's `softplus` with its default threshold: `x` itself when `x > 20`, else `log1p(eˣ)`.
    @inline(__always)
    static func softplus(_ x: Float) -> Float { x > 20 ? x : Foundation.log1p(Foundation.exp(x)) }

    /// In-place SiLU over a buffer.
    static func siluInPlace(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { buffer[i] = silu(buffer[i]) }
    }

    /// Softmax of `count` scores in place (max-subtracted, so no overflow).
    static func softmaxInPlace(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var maxValue = -Float.infinity
        for i in 0..<count where buffer[i] > maxValue { maxValue = buffer[i] }
        for i in 0..<count { buffer[i] -= maxValue }
        expInPlace(buffer, count: count)
        var sum: Float = 0
        for i in 0..<count { sum += buffer[i] }
        let inverse = 1 / sum
        for i in 0..<count { buffer[i] *= inverse }
    }
}
