import Foundation

/// How large an input file may be before it is read into memory whole. Each bound sits far
/// above any real file of its kind (Hymba's tokenizer.json is 1.8 MB, its config.json 1.8 KB);
/// a larger file is refused with its size named instead of being loaded until memory runs out.
/// Weights are never read whole: safetensors files are memory-mapped and checked against their
/// header. `docs/limits.md` lists every bound.
public enum FileSizeLimit {
    /// config.json, model.safetensors.index.json, tokenizer_config.json, chat files, manifests.
    public static let json = 64 << 20
    /// tokenizer.json (vocabulary and merges).
    public static let tokenizer = 512 << 20
    /// Prompts, prompt sets and id lists given as files or on standard input.
    public static let text = 1 << 30
}

/// An input file larger than its `FileSizeLimit`.
public struct FileTooLarge: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let bytes: Int
    public let limit: Int
    public var description: String {
        "\(path) is \(bytes) bytes, more than the \(limit)-byte limit for such a file (docs/limits.md)"
    }
}

/// Reads a whole file after checking its size against `limit`.
///
/// - Throws: `FileTooLarge`, or the underlying read error.
public func readFile(_ url: URL, limit: Int) throws -> Data {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    if let size = attributes[.size] as? NSNumber, size.intValue > limit {
        throw FileTooLarge(path: url.path, bytes: size.intValue, limit: limit)
    }
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    return try readAll(handle, limit: limit, name: url.path)
}

/// Reads standard input to its end, refusing more than `limit` bytes.
public func readStandardInput(limit: Int) throws -> Data {
    try readAll(FileHandle.standardInput, limit: limit, name: "standard input")
}

/// Reads in pieces so a file that grows (or a pipe) cannot exceed the limit either.
private func readAll(_ handle: FileHandle, limit: Int, name: String) throws -> Data {
    var data = Data()
    while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
        data.append(piece)
        if data.count > limit { throw FileTooLarge(path: name, bytes: data.count, limit: limit) }
    }
    return data
}
