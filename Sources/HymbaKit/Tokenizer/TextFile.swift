import Foundation

/// Reads a text file as UTF-8, refusing anything that is not valid UTF-8.
///
/// Lossy decoding would silently turn bad bytes into U+FFFD and tokenize something other than
/// the file, so the error names the path and the byte offset of the first invalid sequence. The
/// text is returned exactly as stored: a byte-order mark or trailing newline stays.
///
/// - Throws: `TokenizerError.unreadableFile` or `TokenizerError.invalidUTF8`.
public func readUTF8TextFile(_ url: URL) throws -> String {
    let data: Data
    do {
        data = try Data(contentsOf: url)
    } catch {
        throw TokenizerError.unreadableFile(path: url.path, reason: readFailureReason(url, error))
    }
    let bytes = [UInt8](data)
    if let text = String(validating: bytes, as: UTF8.self) { return text }
    throw TokenizerError.invalidUTF8(path: url.path, byteOffset: UTF8Validation.firstInvalidOffset(in: bytes) ?? 0)
}

/// A short reason for a failed read, preferring the plain facts over Foundation's prose.
func readFailureReason(_ url: URL, _ error: Error) -> String {
    var isDirectory: ObjCBool = false
    if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) { return "no such file" }
    if isDirectory.boolValue { return "it is a directory" }
    return (error as NSError).localizedDescription
}

/// Finds where UTF-8 validation fails (Unicode Table 3-7 well-formed byte sequences).
enum UTF8Validation {
    /// The offset of the first byte that does not start a well-formed sequence, or nil.
    static func firstInvalidOffset(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F  // no surrogates
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F  // nothing above U+10FFFF
            default: return index
            }
            guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return index }
            for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[index + offset]) {
                return index
            }
            index += length
        }
        return nil
    }
}
