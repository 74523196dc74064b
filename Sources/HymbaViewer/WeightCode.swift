import Foundation

/// How the viewer stores a weight in its page: a signed 16-bit integer.
///
/// ```
/// q = round(w · 32767),  w ∈ [−1, 1]      stored little-endian, base64
/// w' = q / 32767,        |w' − w| ≤ 1 / 65534 ≈ 1.53·10⁻⁵
/// ```
/// Attention probabilities, SSM shares |α| / Σ|α| (signed) and meta shares all lie in [−1, 1],
/// so one code serves every map. The page shows values with 4 decimals, which the code carries
/// exactly up to rounding at the last digit (a shown value is within 6.6·10⁻⁵ of the recorded one).
enum WeightCode {
    static let scale: Double = 32767

    /// Largest difference between a stored and a recorded weight.
    static let maximumError = 0.5 / scale

    static func encode(_ value: Double) -> Int16 {
        guard value.isFinite else { return 0 }
        return Int16(max(-scale, min(scale, (value * scale).rounded())))
    }

    static func decode(_ code: Int16) -> Double { Double(code) / scale }

    /// Little-endian bytes of `codes`, base64.
    static func base64(_ codes: [Int16]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(codes.count * 2)
        for code in codes {
            let bits = UInt16(bitPattern: code)
            bytes.append(UInt8(bits & 0xFF))
            bytes.append(UInt8(bits >> 8))
        }
        return Data(bytes).base64EncodedString()
    }

    /// Little-endian IEEE float32 bytes of `values`, base64 (for the SSM rows' Σ|α|).
    static func base64(_ values: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((bits >> UInt32(shift)) & 0xFF)) }
        }
        return Data(bytes).base64EncodedString()
    }
}
