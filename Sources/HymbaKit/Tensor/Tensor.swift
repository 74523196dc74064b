/// An n-dimensional tensor as it is stored in a recording or a golden file: a shape and
/// row-major values, fp32 for activations and int64 for token ids.
public struct Tensor: Equatable, Sendable {
    public enum Values: Equatable, Sendable {
        case float32([Float])
        case int64([Int64])
    }

    public let shape: [Int]
    public let values: Values

    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "tensor shape \(shape) ≠ \(floats.count) values")
        self.shape = shape
        self.values = .float32(floats)
    }

    public init(shape: [Int], integers: [Int64]) {
        precondition(shape.reduce(1, *) == integers.count, "tensor shape \(shape) ≠ \(integers.count) values")
        self.shape = shape
        self.values = .int64(integers)
    }

    public init(_ matrix: Matrix) {
        self.init(shape: matrix.shape, floats: matrix.storage)
    }

    /// `top` `[a, …]` and `bottom` `[b, …]` (fp32, same trailing shape) as one `[a + b, …]` tensor.
    init(stackingRowsOf top: Tensor, _ bottom: Tensor) {
        precondition(top.shape.dropFirst() == bottom.shape.dropFirst() && !top.shape.isEmpty,
                     "stacking \(top.shape) on \(bottom.shape)")
        let a = top.floats, b = bottom.floats
        let stacked = a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let first = ap.baseAddress.map(UnsafeSendablePointer.init), second = bp.baseAddress.map(UnsafeSendablePointer.init)
                return ParallelCopy.array(count: a.count + b.count) { range, base in
                    let aEnd = min(range.upperBound, a.count), bStart = max(range.lowerBound, a.count)
                    if let first, range.lowerBound < aEnd {
                        (base + range.lowerBound).update(from: first.pointer + range.lowerBound, count: aEnd - range.lowerBound)
                    }
                    if let second, bStart < range.upperBound {
                        (base + bStart).update(from: second.pointer + (bStart - a.count), count: range.upperBound - bStart)
                    }
                }
            }
        }
        self.init(shape: [top.shape[0] + bottom.shape[0]] + top.shape.dropFirst(), floats: stacked)
    }

    public var dtype: DType {
        switch values {
        case .float32: return .f32
        case .int64: return .i64
        }
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// fp32 values (int64 values converted).
    public var floats: [Float] {
        switch values {
        case .float32(let v): return v
        case .int64(let v): return v.map { Float($0) }
        }
    }

    /// A 2-D tensor as a matrix; higher ranks fold their leading axes into rows.
    public var matrix: Matrix {
        let cols = shape.last ?? 1
        return Matrix(rows: cols == 0 ? 0 : elementCount / cols, cols: cols, storage: floats)
    }
}
