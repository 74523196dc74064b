import Foundation

/// Reads a text file as UTF-8, refusing anything that is not valid UTF-8.
///
/// Lossy decoding would silently turn bad bytes into U+FFFD and tokenize something other than
/// the file, so the error names the path and the byte offset of the first invalid sequence. The
/// text is returned exactly as stored: a byte-order mark or trailing newline stays.
///
/// - Throws: `TokenizerError.unreadableFile`, `TokenizerError.invalidUTF8`, or `FileTooLarge`
///   beyond `FileSizeLimit.text`.
public func readUTF8TextFile(_ url: URL) throws -> String {
    let data: Data
    do {
        data = try readFile(url, limit: FileSizeLimit.text)
    } catch let error as FileTooLarge {
        throw error
    } catch {
        throw TokenizerError.unreadableFile(path: url.path, reason: readFailureReason(url, error))
    }
    return try validatedUTF8(data, source: url.path)
}

/// `readUTF8TextFile`, with the command-line convention that the path `-` is standard input
/// (read to its end), so text can be piped in.
public func readUTF8Text(path: String) throws -> String {
    guard path == "-" else { return try readUTF8TextFile(URL(fileURLWithPath: path)) }
    return try validatedUTF8(try readStandardInput(limit: FileSizeLimit.text), source: "standard input")
}

private func validatedUTF8(_ data: Data, source: String) throws -> String {
    let bytes = [UInt8](data)
    if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
        throw TokenizerError.invalidUTF8(path: source, byteOffset: offset)
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A short reason for a failed read, preferring the plain facts over Foundation's prose.
func readFailureReason(_ url: URL, _ error: Error) -> String {
    var isDirectory: ObjCBool = false
    if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) { return "no such file" }
    if isDirectory.boolValue { return "it is a directory" }
    return (error as NSError).localizedDescription
}
