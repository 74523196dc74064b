/// A dense row-major fp32 matrix: the one array type the forward pass computes with.
///
/// Element `(r, c)` lives at `storage[r * cols + c]`. Value semantics (copy on write through
/// `Array`), so weights can be shared between threads without locks.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var storage: [Float]

    /// A matrix of zeros.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix size")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: 0, count: rows * cols)
    }

    /// A matrix whose values are undefined until written, for buffers that are filled right away
    /// (a zero fill would be one more pass over memory).
    public init(uninitializedRows rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix size")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](unsafeUninitializedCapacity: rows * cols) { _, count in count = rows * cols }
    }

    /// An uninitialised matrix whose memory asks for huge pages (see `hl_advise_huge_pages`): for
    /// big outputs written right away, like a prefill's logits.
    init(uninitializedHugeRows rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix size")
        self.rows = rows
        self.cols = cols
        self.storage = HugePageFloats.make(count: rows * cols) { _ in }
    }

    /// Wraps existing row-major values; `storage.count` must be `rows * cols`.
    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(storage.count == rows * cols, "storage does not match \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    public var count: Int { rows * cols }
    public var shape: [Int] { [rows, cols] }

    @inlinable
    public subscript(r: Int, c: Int) -> Float {
        get { storage[r * cols + c] }
        set { storage[r * cols + c] = newValue }
    }

    /// Row `r` as a new array (for tests and small reads, not hot loops).
    public func row(_ r: Int) -> [Float] {
        Array(storage[(r * cols)..<((r + 1) * cols)])
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols,
               storage: Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// Columns `range` as a new matrix (a strided copy).
    public func columns(_ range: Range<Int>) -> Matrix {
        var out = Matrix(rows: rows, cols: range.count)
        storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    let s = src.baseAddress! + r * cols + range.lowerBound
                    let d = dst.baseAddress! + r * range.count
                    d.update(from: s, count: range.count)
                }
            }
        }
        return out
    }

    /// Stacks matrices with equal column counts on top of each other.
    public static func vstack(_ parts: [Matrix]) -> Matrix {
        guard let first = parts.first else { return Matrix(rows: 0, cols: 0) }
        precondition(parts.allSatisfy { $0.cols == first.cols }, "vstack: column counts differ")
        let count = parts.reduce(0) { $0 + $1.count }
        let storage = HugePageFloats.make(count: count) { out in
            var offset = 0
            for part in parts where part.count > 0 {
                part.storage.withUnsafeBufferPointer { (out.baseAddress! + offset).update(from: $0.baseAddress!, count: part.count) }
                offset += part.count
            }
        }
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, cols: first.cols, storage: storage)
    }
}
