/// The exact binary form of a reducer's partial state, so a run can be journaled, resumed and
/// merged without changing a single bit of its numbers.
///
/// Little-endian throughout. Doubles are stored as their IEEE-754 bit patterns (NaN payloads and
/// signed zeros included), integers as zig-zag LEB128 varints (a count of 0 or 1 costs one
/// byte), strings as a varint length and UTF-8 bytes. Every block starts with a tag naming the
/// reducer and a layout version, so decoding a state into the wrong type fails by name instead
/// of reading garbage.
public struct PartialStateEncoder: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func tag(_ name: String, version: Int) {
        string(name)
        integer(version)
    }

    public mutating func double(_ value: Double) {
        var bits = value.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    public mutating func doubles(_ values: [Double]) {
        integer(values.count)
        bytes.reserveCapacity(bytes.count + 8 * values.count)
        for value in values { double(value) }
    }

    public mutating func integer(_ value: Int) {
        // Zig-zag, so small negative numbers stay short too.
        var v = UInt64(bitPattern: Int64(value << 1) ^ Int64(value >> (Int.bitWidth - 1)))
        repeat {
            let low = UInt8(v & 0x7f)
            v >>= 7
            bytes.append(v == 0 ? low : low | 0x80)
        } while v != 0
    }

    public mutating func integers(_ values: [Int]) {
        integer(values.count)
        for value in values { integer(value) }
    }

    public mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        integer(utf8.count)
        bytes += utf8
    }

    public mutating func bool(_ flag: Bool) { integer(flag ? 1 : 0) }

    /// A block of raw bytes (e.g. another state's encoding), with its length.
    public mutating func block(_ data: [UInt8]) {
        integer(data.count)
        bytes += data
    }
}

/// Reads what `PartialStateEncoder` wrote, checking every length against the bytes left.
public struct PartialStateDecoder: Sendable {
    private let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset == bytes.count }

    /// - Throws: `PartialStateError.wrongTag` when the block belongs to another reducer or layout.
    public mutating func expectTag(_ name: String, version: Int) throws {
        let found = try string()
        let foundVersion = try integer()
        guard found == name, foundVersion == version else {
            throw PartialStateError.wrongTag(expected: "\(name) v\(version)", found: "\(found) v\(foundVersion)")
        }
    }

    public mutating func double() throws -> Double {
        guard bytes.count - offset >= 8 else { throw PartialStateError.truncated(what: "a number") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return Double(bitPattern: bits)
    }

    public mutating func doubles(count expected: Int? = nil) throws -> [Double] {
        let count = try length(of: "numbers", bytesEach: 8)
        if let expected, count != expected { throw PartialStateError.wrongCount(what: "numbers", expected: expected, found: count) }
        var out = [Double](repeating: 0, count: count)
        for i in 0..<count { out[i] = try double() }
        return out
    }

    public mutating func integer() throws -> Int {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw PartialStateError.truncated(what: "an integer") }
            let byte = bytes[offset]
            offset += 1
            guard shift < 64 else { throw PartialStateError.malformed("an integer longer than 64 bits") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        let decoded = Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
        return Int(decoded)
    }

    public mutating func integers(count expected: Int? = nil) throws -> [Int] {
        let count = try length(of: "integers", bytesEach: 1)
        if let expected, count != expected { throw PartialStateError.wrongCount(what: "integers", expected: expected, found: count) }
        return try (0..<count).map { _ in try integer() }
    }

    public mutating func string() throws -> String {
        let count = try length(of: "text", bytesEach: 1)
        let slice = bytes[offset..<(offset + count)]
        offset += count
        guard let text = String(validating: slice, as: UTF8.self) else { throw PartialStateError.malformed("text that is not UTF-8") }
        return text
    }

    public mutating func block() throws -> [UInt8] {
        let count = try length(of: "bytes", bytesEach: 1)
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    public mutating func bool() throws -> Bool {
        switch try integer() {
        case 0: return false
        case 1: return true
        case let other: throw PartialStateError.malformed("a flag of \(other)")
        }
    }

    /// A count read from the stream, bounded by the bytes that remain (so a corrupted count
    /// cannot make the decoder allocate terabytes).
    private mutating func length(of what: String, bytesEach: Int) throws -> Int {
        let count = try integer()
        guard count >= 0, count <= (bytes.count - offset) / bytesEach else {
            throw PartialStateError.truncated(what: "\(count) \(what)")
        }
        return count
    }
}

/// Why a partial state could not be read or combined. One line each.
public enum PartialStateError: Error, CustomStringConvertible, Equatable {
    case truncated(what: String)
    case malformed(String)
    case wrongTag(expected: String, found: String)
    case wrongCount(what: String, expected: Int, found: Int)
    /// Two partials of differently configured reducers (other layers, heads, domains, ablations).
    case incompatible(String)

    public var description: String {
        switch self {
        case .truncated(let what): return "the partial state ends before \(what)"
        case .malformed(let what): return "the partial state holds \(what)"
        case .wrongTag(let expected, let found): return "the partial state is a \(found), expected a \(expected)"
        case .wrongCount(let what, let expected, let found): return "the partial state holds \(found) \(what), expected \(expected)"
        case .incompatible(let what): return "cannot merge partial states: \(what)"
        }
    }
}

/// A corpus reducer whose partial state can be combined with another's and written out exactly.
///
/// Laws the journal and `merge` rely on (tested for every reducer):
/// - `decode(encode(x))` equals `x` bit for bit;
/// - merging the state of one passage into a state is the same, bit for bit, as adding that
///   passage to it — so folding per-passage partials in passage order reproduces a single run;
/// - merging two multi-passage partials equals adding all their passages up to floating-point
///   reassociation (sums of different groupings), i.e. to about 1e-15 relative.
public protocol MergeableReducer: Sendable {
    /// Adds `other`'s passages after this state's own.
    ///
    /// - Throws: `PartialStateError.incompatible` when the two were set up differently.
    mutating func merge(_ other: Self) throws
    func encode(to encoder: inout PartialStateEncoder)
    init(decoding decoder: inout PartialStateDecoder) throws
}

extension MergeableReducer {
    /// The state as bytes.
    public var encoded: [UInt8] {
        var encoder = PartialStateEncoder()
        encode(to: &encoder)
        return encoder.bytes
    }

    /// A state read back from `encoded` bytes; every byte must be used.
    public init(encoded bytes: [UInt8]) throws {
        var decoder = PartialStateDecoder(bytes)
        try self.init(decoding: &decoder)
        guard decoder.isAtEnd else { throw PartialStateError.malformed("\(bytes.count - decoder.offset) bytes after the state") }
    }
}
