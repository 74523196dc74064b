import Foundation

/// Elementwise kernels over contiguous fp32 buffers.
///
/// `exp` is the hot transcendental of the forward pass (the selective scan evaluates
/// `exp(Δ·A)` for every position × channel × state, the softmax once per score), so it runs
/// eight lanes at a time with a Cephes-style polynomial: relative error ≤ 2 ulp for results in
/// [2⁻¹²⁵, FLT_MAX] (x ∈ [-86.6, 88.72]); smaller results flush to 0, larger ones are +inf —
/// far below the 2e-4 parity criterion.
enum VectorMath {
    typealias Lanes = SIMD8<Float>

    private static let log2e: Float = 1.442_695_04
    // ln 2 split in a high part exact in float and a low correction (Cody–Waite reduction).
    private static let ln2Hi: Float = 0.693_359_375
    private static let ln2Lo: Float = -2.121_944_4e-4

    /// 1.5 · 2²³: adding it to a float of magnitude < 2²² rounds to an integer (nearest even)
    /// and leaves that integer in the low mantissa bits — rounding and float→int in two adds,
    /// without the generic SIMD conversion paths.
    private static let roundingShift: Float = 12_582_912

    /// eˣ for eight lanes. `@_transparent` because `@inline(__always)` was not honoured inside
    /// the large scan loop (measured: the call cost the scan a third of its time).
    @_transparent
    static func exp(_ x: Lanes) -> Lanes {
        let low = Lanes(repeating: -87.336_55), high = Lanes(repeating: 88.722_83)
        var clamped = x
        clamped.replace(with: low, where: x .< low)
        clamped.replace(with: high, where: x .> high)
        // k = round(x · log₂e); r = x − k·ln2 (two-part ln2 keeps r exact).
        let shifted = clamped * log2e + roundingShift
        let k = shifted - roundingShift
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
        // 2^k: the integer k sits in the low bits of `shifted`; move it into the exponent field.
        // Built as 2^(k−1) · 2 so that k = 128 (x near ln FLT_MAX) still fits the exponent field.
        let kBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((kBits &+ 126) &<< 23, to: Lanes.self)
        var result = er * scale * 2
        result.replace(with: 0, where: x .< low)
        result.replace(with: .infinity, where: x .> high)
        return result
    }

    /// eˣ for one value through the same polynomial, so scalar tails match the vector body.
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(Lanes(repeating: x))[0] }

    /// A buffer whose disjoint chunks are written by concurrent tasks.
    struct SharedBuffer: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Float>
    }

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

    /// ln x for eight lanes, x > 0 (Cephes-style: x = m·2ᵉ with m ∈ [√½, √2), then a degree-9
    /// polynomial in m − 1); relative error ≤ 2 ulp.
    @inline(__always)
    static func log(_ x: Lanes) -> Lanes {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        var exponent = Lanes((bits &>> 23) &- 127)
        var mantissa = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: Lanes.self)   // [0.5, 1)
        let small = mantissa .< 0.707_106_77
        exponent.replace(with: exponent - 1, where: small)
        mantissa.replace(with: mantissa + mantissa, where: small)
        exponent += 1
        let m = mantissa - 1
        let m2 = m * m
        var p = Lanes(repeating: 7.037_683_6e-2)
        p = p * m - 1.151_461_0e-1
        p = p * m + 1.167_699_9e-1
        p = p * m - 1.242_014_1e-1
        p = p * m + 1.424_932_3e-1
        p = p * m - 1.666_805_8e-1
        p = p * m + 2.000_071_5e-1
        p = p * m - 2.499_999_4e-1
        p = p * m + 3.333_333_1e-1
        var y = p * m * m2
        y += exponent * -2.121_944_4e-4
        y -= m2 * 0.5
        return m + y + exponent * 0.693_359_375
    }

    /// SiLU `x · σ(x) = x / (1 + e^{-x})`, as torch evaluates it.
    @inline(__always)
    static func silu(_ x: Float) -> Float { x / (1 + Foundation.exp(-x)) }

    @inline(__always)
    static func silu(_ x: Lanes) -> Lanes { x / (1 + exp(-x)) }

    /// torch's `softplus` with its default threshold: `x` itself when `x > 20`, else `log1p(eˣ)`.
    @inline(__always)
    static func softplus(_ x: Float) -> Float { x > 20 ? x : Foundation.log1p(Foundation.exp(x)) }

    /// Eight-lane softplus; log1p(y) is evaluated as ln(1+y)·y/((1+y)−1), exact to a few ulp
    /// even when y is tiny (Goldberg's trick).
    @inline(__always)
    static func softplus(_ x: Lanes) -> Lanes {
        let y = exp(x)
        let u = 1 + y
        let denominator = u - 1
        var logOnePlus = log(u) * (y / denominator)
        logOnePlus.replace(with: y, where: denominator .== 0)
        logOnePlus.replace(with: x, where: x .> 20)
        return logOnePlus
    }

    /// Applies an eight-lane function to `count` values in place, in parallel chunks when large.
    /// (Generic over the function's type so each use is specialised and inlined.)
    static func mapInPlace<F: LaneFunction>(_ buffer: UnsafeMutablePointer<Float>, count: Int, _: F.Type) {
        let chunk = 1 << 16
        let pieces = (count + chunk - 1) / chunk
        let shared = SharedBuffer(pointer: buffer)
        let body = { (piece: Int) in
            let buffer = shared.pointer
            let start = piece * chunk, end = min(count, start + chunk)
            var i = start
            while i + 8 <= end {
                let raw = UnsafeMutableRawPointer(buffer + i)
                raw.storeBytes(of: F.apply(raw.loadUnaligned(as: Lanes.self)), as: Lanes.self)
                i += 8
            }
            if i < end {
                var tail = Lanes(repeating: 0)
                for j in i..<end { tail[j - i] = buffer[j] }
                let mapped = F.apply(tail)
                for j in i..<end { buffer[j] = mapped[j - i] }
            }
        }
        if pieces > 1 {
            DispatchQueue.concurrentPerform(iterations: pieces, execute: body)
        } else if pieces == 1 {
            body(0)
        }
    }

    /// In-place SiLU over a buffer.
    static func siluInPlace(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        mapInPlace(buffer, count: count, SiLU.self)
    }

    /// In-place softplus over a buffer.
    static func softplusInPlace(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        mapInPlace(buffer, count: count, Softplus.self)
    }

    /// `out[t, j] *= silu(gate[t, j])` over a `rows × cols` block of strided rows, in parallel
    /// row chunks (the SSM output gate and the MLP's gated product).
    static func multiplyBySiLU(_ out: UnsafeMutablePointer<Float>, stride: Int,
                               gate: UnsafePointer<Float>, gateStride: Int, rows: Int, cols: Int) {
        let rowsPerTask = max(1, (1 << 15) / max(1, cols))
        let tasks = (rows + rowsPerTask - 1) / rowsPerTask
        let target = SharedBuffer(pointer: out)
        let source = SharedBuffer(pointer: UnsafeMutablePointer(mutating: gate))
        DispatchQueue.concurrentPerform(iterations: tasks) { task in
            for t in (task * rowsPerTask)..<min(rows, (task + 1) * rowsPerTask) {
                let o = target.pointer + t * stride, g = source.pointer + t * gateStride
                var j = 0
                while j + 8 <= cols {
                    let raw = UnsafeMutableRawPointer(o + j)
                    let gated = raw.loadUnaligned(as: Lanes.self) * silu(UnsafeRawPointer(g + j).loadUnaligned(as: Lanes.self))
                    raw.storeBytes(of: gated, as: Lanes.self)
                    j += 8
                }
                while j < cols { o[j] *= silu(g[j]); j += 1 }
            }
        }
    }

    enum SiLU: LaneFunction { static func apply(_ x: Lanes) -> Lanes { silu(x) } }
    enum Softplus: LaneFunction { static func apply(_ x: Lanes) -> Lanes { softplus(x) } }

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

/// An elementwise function on eight lanes (see `VectorMath.mapInPlace`).
protocol LaneFunction {
    static func apply(_ x: VectorMath.Lanes) -> VectorMath.Lanes
}
