import Foundation

/// Writes a safetensors file tensor by tensor without holding them all in memory, atomically.
///
/// The header is written first from the declared entries, padded with spaces to a multiple of
/// 8 bytes (so every tensor starts 8-byte aligned, as the reference writer does); then each
/// entry's values are appended in order, converted to its dtype (F32, BF16 with
/// round-to-nearest-even, F16, or I64). The file appears only after `finish()`.
/// `safetensors.numpy.load_file` and `safetensors.torch.load_file` read the result directly.
public final class SafeTensorsStreamWriter {
    public struct Entry {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public init(name: String, dtype: DType, shape: [Int]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
        }
        var elementCount: Int { shape.reduce(1, *) }
    }

    private let entries: [Entry]
    private let file: AtomicFileWriter
    private var next = 0

    public init(url: URL, entries: [Entry], metadata: [String: String] = [:]) throws {
        for entry in entries where ![.f32, .bf16, .f16, .i64].contains(entry.dtype) {
            throw OutputError.cannotCreate(path: url.path, reason: "cannot write dtype \(entry.dtype.rawValue) for '\(entry.name)'")
        }
        self.entries = entries
        file = try AtomicFileWriter(destination: url)
        var parts: [String] = []
        if !metadata.isEmpty {
            let body = metadata.keys.sorted().map { "\(JSONText.string($0)):\(JSONText.string(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(body.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let bytes = entry.elementCount * entry.dtype.size
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append("\(JSONText.string(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var prefix = Data(count: 8)
        for i in 0..<8 { prefix[i] = UInt8((UInt64(header.count) >> (8 * UInt64(i))) & 0xff) }
        try file.write(prefix)
        try file.write(Data(header))
    }

    /// Appends the next entry's values (converted to its dtype).
    public func append(_ values: [Float]) throws {
        let entry = try nextEntry(count: values.count)
        switch entry.dtype {
        case .f32:
            try values.withUnsafeBytes { try file.write($0) }
        case .bf16:
            try writeHalves(values.map(Self.bfloat16Bits))
        case .f16:
            try writeHalves(values.map { Float16($0).bitPattern })
        case .i64:
            try values.map { Int64($0) }.withUnsafeBytes { try file.write($0) }
        default:
            break
        }
    }

    /// Appends the next entry's values when it is an I64 tensor.
    public func append(_ values: [Int64]) throws {
        let entry = try nextEntry(count: values.count)
        guard entry.dtype == .i64 else { return try append(values.map { Float($0) }) }
        try values.withUnsafeBytes { try file.write($0) }
    }

    /// Renames the finished file into place; every entry must have been appended.
    public func finish() throws {
        guard next == entries.count else {
            file.abandon()
            throw OutputError.writeFailed(path: file.destination.path, reason: "only \(next) of \(entries.count) tensors were written")
        }
        try file.commit()
    }

    private func nextEntry(count: Int) throws -> Entry {
        guard next < entries.count else {
            file.abandon()
            throw OutputError.writeFailed(path: file.destination.path, reason: "more tensors than declared")
        }
        let entry = entries[next]
        guard entry.elementCount == count else {
            file.abandon()
            throw OutputError.writeFailed(path: file.destination.path, reason: "'\(entry.name)' needs \(entry.elementCount) values, got \(count)")
        }
        next += 1
        return entry
    }

    private func writeHalves(_ bits: [UInt16]) throws {
        try bits.withUnsafeBytes { try file.write($0) }
    }

    /// fp32 → bf16 bits, rounding to nearest even (NaN stays NaN).
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7fff + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}

/// Writes in-memory tensors (recordings) as one safetensors file.
public enum SafeTensorsWriter {
    public static func write(_ tensors: [(name: String, tensor: Tensor)],
                             metadata: [String: String] = [:], to url: URL) throws {
        let entries = tensors.map { SafeTensorsStreamWriter.Entry(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape) }
        let writer = try SafeTensorsStreamWriter(url: url, entries: entries, metadata: metadata)
        for (_, tensor) in tensors {
            switch tensor.values {
            case .float32(let values): try writer.append(values)
            case .int64(let values): try writer.append(values)
            }
        }
        try writer.finish()
    }
}
