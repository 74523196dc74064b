/// A row-major fp32 matrix in memory that something else owns — a workspace buffer, or a block
/// of columns of a wider matrix: element `(r, c)` is at `base[r * stride + c]`.
///
/// The forward pass hands views between its steps instead of `Matrix` values, so that
/// intermediates live in a reused `ForwardWorkspace` and column slices (the q, k, v, xs, z
/// blocks of `in_proj`'s output) are used in place. A view is valid only while its owner is.
struct MatrixView {
    let base: UnsafeMutablePointer<Float>
    let rows: Int
    let cols: Int
    let stride: Int

    init(base: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil) {
        precondition(rows >= 0 && cols >= 0 && (stride ?? cols) >= cols, "view \(rows)×\(cols) with stride \(stride ?? cols)")
        self.base = base
        self.rows = rows
        self.cols = cols
        self.stride = stride ?? cols
    }

    var shape: [Int] { [rows, cols] }

    /// The first element of row `r`.
    @inline(__always)
    func row(_ r: Int) -> UnsafeMutablePointer<Float> { base + r * stride }

    subscript(r: Int, c: Int) -> Float {
        get { base[r * stride + c] }
        nonmutating set { base[r * stride + c] = newValue }
    }

    func columns(_ range: Range<Int>) -> MatrixView {
        precondition(range.lowerBound >= 0 && range.upperBound <= cols, "columns \(range) of \(cols)")
        return MatrixView(base: base + range.lowerBound, rows: rows, cols: range.count, stride: stride)
    }

    func rows(_ range: Range<Int>) -> MatrixView {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) of \(rows)")
        return MatrixView(base: base + range.lowerBound * stride, rows: range.count, cols: cols, stride: stride)
    }

    /// A copy as a `Matrix` (what a recording keeps).
    var matrix: Matrix {
        // Not zeroed first (every entry is copied over), and copied on all cores when large: a
        // recording takes many of these (see `ParallelCopy`).
        let cols = self.cols
        let storage = [Float](unsafeUninitializedCapacity: rows * cols) { buffer, initialized in
            if let base = buffer.baseAddress {
                let target = UnsafeSendableMutablePointer(base)
                ParallelRows.forEachChunk(rows: rows, floatsPerRow: cols) { range in
                    for r in range { (target.pointer + r * cols).update(from: row(r), count: cols) }
                }
            }
            initialized = rows * cols
        }
        return Matrix(rows: rows, cols: cols, storage: storage)
    }

    /// Sets every element to `value`.
    func fill(_ value: Float) {
        for r in 0..<rows { row(r).update(repeating: value, count: cols) }
    }

    /// Copies `source` (same shape) into this view.
    func copy(from source: MatrixView) {
        precondition(source.rows == rows && source.cols == cols, "copy \(source.shape) into \(shape)")
        for r in 0..<rows { row(r).update(from: source.row(r), count: cols) }
    }
}

extension Matrix {
    /// A view of the matrix's storage for `body`, which must only read through it.
    func withView<R>(_ body: (MatrixView) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { buffer in
            // An empty array's buffer may have no address; an empty view is never read.
            let base = UnsafeMutablePointer(mutating: buffer.baseAddress ?? UnsafePointer(Matrix.emptyStorage))
            return try body(MatrixView(base: base, rows: rows, cols: cols))
        }
    }

    /// A writable view of the matrix's storage for `body`.
    mutating func withMutableView<R>(_ body: (MatrixView) throws -> R) rethrows -> R {
        let rows = self.rows, cols = self.cols
        return try storage.withUnsafeMutableBufferPointer { buffer in
            try body(MatrixView(base: buffer.baseAddress ?? Matrix.emptyStorage, rows: rows, cols: cols))
        }
    }

    /// Where empty views point (never dereferenced).
    nonisolated(unsafe) private static let emptyStorage = UnsafeMutablePointer<Float>.allocate(capacity: 1)
}
