import Foundation

/// Records the dpi inside a PNG (a `pHYs` chunk), which Cairo does not write.
///
/// LaTeX's `\includegraphics` and most viewers read it to give the image its intended physical
/// size: a 360 × 300 pt figure rendered at 144 dpi then comes out 5 × 4.17 inches, not 10 × 8.3.
enum PNGMetadata {
    private static let signatureLength = 8
    private static let ihdrChunkLength = 8 + 13 + 4

    static func withResolution(_ png: Data, dpi: Double) -> Data {
        let insertAt = signatureLength + ihdrChunkLength
        guard png.count > insertAt else { return png }
        let pixelsPerMetre = UInt32((dpi / 0.0254).rounded())
        var body = Data("pHYs".utf8)
        body.append(bigEndian: pixelsPerMetre)
        body.append(bigEndian: pixelsPerMetre)
        body.append(1)  // unit: metre
        var chunk = Data()
        chunk.append(bigEndian: UInt32(body.count - 4))
        chunk.append(body)
        chunk.append(bigEndian: crc32(body))
        var out = png.prefix(insertAt)
        out.append(chunk)
        out.append(png.dropFirst(insertAt))
        return out
    }

    /// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320) over chunk type and data, as PNG requires.
    static func crc32(_ bytes: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The dpi stored in a PNG's pHYs chunk, if any.
    static func resolution(of png: Data) -> Double? {
        let bytes = [UInt8](png)
        var offset = signatureLength
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16
                | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let type = String(bytes: bytes[(offset + 4)..<(offset + 8)], encoding: .ascii)
            if type == "pHYs", offset + 17 <= bytes.count, bytes[offset + 16] == 1 {
                let ppm = Int(bytes[offset + 8]) << 24 | Int(bytes[offset + 9]) << 16
                    | Int(bytes[offset + 10]) << 8 | Int(bytes[offset + 11])
                return Double(ppm) * 0.0254
            }
            if type == "IDAT" { return nil }
            offset += 12 + length
        }
        return nil
    }
}

private extension Data {
    mutating func append(bigEndian value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
