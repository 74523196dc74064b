/// Strict UTF-8 validation that reports where it fails (Unicode Table 3-7 well-formed byte
/// sequences: no overlongs, no surrogates, nothing above U+10FFFF).
///
/// Our own rather than `String(validating:as:)`, which needs macOS 15 and cannot say where.
enum UTF8Validation {
    /// The offset of the first byte that does not start a well-formed sequence, or nil.
    static func firstInvalidOffset(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { firstInvalidOffset(in: $0) }
    }

    static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var second: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; second = 0xA0...0xBF  // no overlongs
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; second = 0x80...0x9F  // no surrogates
            case 0xF0: length = 4; second = 0x90...0xBF  // no overlongs
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; second = 0x80...0x8F  // nothing above U+10FFFF
            default: return index
            }
            guard index + length <= bytes.count, second.contains(bytes[index + 1]) else { return index }
            var offset = 2
            while offset < length {
                guard (0x80...0xBF).contains(bytes[index + offset]) else { return index }
                offset += 1
            }
            index += length
        }
        return nil
    }

    /// The string for `bytes`, or nil when they are not valid UTF-8.
    static func string(validating bytes: UnsafeBufferPointer<UInt8>) -> String? {
        firstInvalidOffset(in: bytes) == nil ? String(decoding: bytes, as: UTF8.self) : nil
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        firstInvalidOffset(in: bytes) == nil
    }
}
