import Foundation

/// One tensor's entry in a safetensors header, already validated against the file.
public struct TensorInfo: Equatable, Sendable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range inside the data region (after the header).
    public let dataRange: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file whose header has been checked completely before any
/// tensor is touched.
///
/// Layout: `u64 little-endian N`, `N` bytes of JSON header, then the data region. The header maps
/// tensor names to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the
/// data region) plus an optional `"__metadata__"` string map. We accept a file only if the
/// header fits in the file and under `maxHeaderBytes`, is a JSON object of well-formed entries,
/// every byte length equals `shape × dtype size`, and the tensors tile the data region exactly
/// (no overlaps, no gaps, no trailing bytes) — the same rules as the reference Rust reader.
public final class SafeTensorsFile: @unchecked Sendable {
    /// Upper bound on the declared header length; a lying length must not make us allocate GBs.
    public static let maxHeaderBytes: UInt64 = 100_000_000

    public let path: String
    public let metadata: [String: String]
    public let tensors: [String: TensorInfo]
    private let file: MappedFile
    private let dataStart: Int

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        guard file.size >= 8 else {
            throw CheckpointError.truncated(path: path, reason: "\(file.size) bytes, shorter than the 8-byte length prefix")
        }
        let declared = file.withBytes(0..<8) { raw -> UInt64 in
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(raw[i]) << (8 * UInt64(i)) }
            return value
        }
        guard declared <= Self.maxHeaderBytes else {
            throw CheckpointError.headerTooLarge(path: path, declared: declared, limit: Self.maxHeaderBytes)
        }
        guard declared <= UInt64(file.size - 8) else {
            throw CheckpointError.headerBeyondFile(path: path, declared: declared, fileSize: file.size)
        }
        dataStart = 8 + Int(declared)
        let headerData = file.withBytes(8..<dataStart) { Data($0) }
        let parsed = try Self.parseHeader(headerData, path: path, dataSize: file.size - dataStart)
        metadata = parsed.metadata
        tensors = parsed.tensors
    }

    /// Tensor names in file order (by data offset).
    public var names: [String] {
        tensors.values.sorted { $0.dataRange.lowerBound < $1.dataRange.lowerBound }.map(\.name)
    }

    /// The tensor's values widened to fp32 (F32, BF16 and F16 only).
    public func floats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else {
            throw CheckpointError.missingTensor(name: name, checkpoint: path)
        }
        guard info.dtype.widensToFloat32 else {
            throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: info.dtype.rawValue)
        }
        let count = info.elementCount
        let range = (dataStart + info.dataRange.lowerBound)..<(dataStart + info.dataRange.upperBound)
        let out = HugePageFloats.make(count: count) { dst in
            file.withBytes(range) { raw in
                switch info.dtype {
                case .f32:
                    UnsafeMutableRawBufferPointer(dst).copyMemory(from: raw)
                case .bf16:
                    // bf16 is the top half of an fp32: widening is a 16-bit shift, exact.
                    for i in 0..<count {
                        let bits = UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        dst[i] = Float(bitPattern: bits << 16)
                    }
                case .f16:
                    for i in 0..<count {
                        let bits = raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                        dst[i] = Float(Float16(bitPattern: bits))
                    }
                default:
                    dst.initialize(repeating: 0)   // unreachable: the guard above admits only these
                }
            }
        }
        file.release(range)
        return out
    }

    /// The tensor's values as Int64 (I64, I32 and integral-valued float tensors; for ids).
    public func integers(_ name: String) throws -> [Int64] {
        guard let info = tensors[name] else {
            throw CheckpointError.missingTensor(name: name, checkpoint: path)
        }
        let range = (dataStart + info.dataRange.lowerBound)..<(dataStart + info.dataRange.upperBound)
        switch info.dtype {
        case .i64:
            return file.withBytes(range) { raw in (0..<info.elementCount).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) } }
        case .i32:
            return file.withBytes(range) { raw in (0..<info.elementCount).map { Int64(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) } }
        default:
            throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: info.dtype.rawValue)
        }
    }

    // MARK: - Header validation

    private struct RawEntry: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }

    private struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the header object key by key so that one bad entry is reported by name.
    private struct RawHeader: Decodable {
        var metadata: [String: String] = [:]
        var entries: [(String, Result<RawEntry, Error>)] = []

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: DynamicKey.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    entries.append((key.stringValue, Result { try container.decode(RawEntry.self, forKey: key) }))
                }
            }
        }
    }

    private static func parseHeader(_ data: Data, path: String, dataSize: Int)
        throws -> (metadata: [String: String], tensors: [String: TensorInfo])
    {
        guard String(data: data, encoding: .utf8) != nil else {
            throw CheckpointError.invalidHeader(path: path, reason: "header is not UTF-8")
        }
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: data)
        } catch {
            throw CheckpointError.invalidHeader(path: path, reason: "not a JSON object of tensor entries (\(Self.brief(error)))")
        }
        var tensors: [String: TensorInfo] = [:]
        // Entries are checked in file order (by data offset, malformed ones first, ties by name),
        // so a truncated file always names the first tensor that lies past its end.
        for (name, result) in raw.entries.sorted(by: Self.fileOrder) {
            let entry: RawEntry
            switch result {
            case .success(let e): entry = e
            case .failure(let error):
                throw CheckpointError.invalidHeader(path: path, reason: "entry '\(name)': \(Self.brief(error))")
            }
            guard let dtype = DType(rawValue: entry.dtype) else {
                throw CheckpointError.unknownDType(path: path, tensor: name, dtype: entry.dtype)
            }
            guard entry.data_offsets.count == 2 else {
                throw CheckpointError.invalidHeader(path: path, reason: "entry '\(name)': data_offsets must have 2 values")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError.invalidHeader(path: path, reason: "entry '\(name)': negative dimension in shape \(entry.shape)")
            }
            let begin = entry.data_offsets[0], end = entry.data_offsets[1]
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw CheckpointError.offsetsOutsideData(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
            }
            var bytes = dtype.size
            for dim in entry.shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dim)
                guard !overflow else {
                    throw CheckpointError.lengthMismatch(path: path, tensor: name, shape: entry.shape, dtype: dtype.rawValue, bytes: end - begin)
                }
                bytes = product
            }
            guard bytes == end - begin else {
                throw CheckpointError.lengthMismatch(path: path, tensor: name, shape: entry.shape, dtype: dtype.rawValue, bytes: end - begin)
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: entry.shape, dataRange: begin..<end)
        }
        // The tensors must tile the data region: sorted by offset, each starts where the last ended.
        let ordered = tensors.values.sorted {
            ($0.dataRange.lowerBound, $0.dataRange.upperBound) < ($1.dataRange.lowerBound, $1.dataRange.upperBound)
        }
        var cursor = 0
        var previous: TensorInfo?
        for info in ordered {
            if info.dataRange.lowerBound < cursor, let previous {
                throw CheckpointError.overlappingTensors(path: path, first: previous.name, second: info.name)
            }
            if info.dataRange.lowerBound > cursor {
                throw CheckpointError.gapInData(path: path, at: cursor)
            }
            cursor = info.dataRange.upperBound
            previous = info
        }
        if cursor != dataSize {
            throw CheckpointError.gapInData(path: path, at: cursor)
        }
        return (raw.metadata, tensors)
    }

    private static func fileOrder(_ a: (String, Result<RawEntry, Error>), _ b: (String, Result<RawEntry, Error>)) -> Bool {
        func begin(_ entry: Result<RawEntry, Error>) -> Int {
            guard case .success(let e) = entry else { return Int.min }
            return e.data_offsets.first ?? Int.min
        }
        return (begin(a.1), a.0) < (begin(b.1), b.0)
    }

    private static func brief(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
             DecodingError.valueNotFound(_, let context):
            let where_ = context.codingPath.map(\.stringValue).joined(separator: ".")
            return where_.isEmpty ? context.debugDescription : "\(where_): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _):
            return "missing '\(key.stringValue)'"
        default:
            return "\(error)"
        }
    }
}
