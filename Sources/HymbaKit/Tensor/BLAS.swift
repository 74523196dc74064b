import CBLAS

/// Matrix products through OpenBLAS `cblas_sgemm` — the only place HymbaKit calls BLAS.
///
/// Every model projection is a PyTorch `Linear`: weight `W [out, in]`, row vectors `x [T, in]`,
/// output `x · Wᵀ [T, out]`. One sgemm covers all T positions.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` on raw row-major buffers with explicit leading
    /// dimensions, so callers can address column blocks (attention heads) in place.
    ///
    /// - Parameters:
    ///   - m, n, k: `op(A)` is `m×k`, `op(B)` is `k×n`, `C` is `m×n`.
    ///   - lda, ldb, ldc: row strides of the stored A, B, C.
    @inlinable
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched for k = 0 only when beta = 1; make the semantics explicit.
            for r in 0..<m { for j in 0..<n { c[r * ldc + j] *= beta } }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `B = Aᵀ` for a row-major `A` `(rows, cols)` into a row-major `B` `(cols, rows)`, with row
    /// strides `lda` and `ldb` (OpenBLAS's blocked `cblas_somatcopy`).
    static func transpose(rows: Int, cols: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafeMutablePointer<Float>, ldb: Int) {
        guard rows > 0, cols > 0 else { return }
        cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(rows), Int32(cols), 1, a, Int32(lda), b, Int32(ldb))
    }

    /// `y = alpha · A · x + beta · y` for a row-major `A` `(m, n)` with contiguous `x` `(n)` and
    /// `y` `(m)`: one matrix–vector product. A decode step's projections are these (one row), and
    /// they are bound by reading `A` once; sgemv streams it, where an sgemm with one row packs it.
    @inlinable
    public static func sgemv(m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        guard m > 0 else { return }
        if n == 0 {
            for i in 0..<m { y[i] *= beta }
            return
        }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// `x · Wᵀ` for a PyTorch Linear weight `W [out, in]`.
    public static func linear(_ x: Matrix, _ weight: Matrix) -> Matrix {
        precondition(x.cols == weight.cols, "linear: input width \(x.cols) ≠ weight in \(weight.cols)")
        // sgemm with beta 0 writes every entry without reading it; sgemv (one row) and the k = 0
        // case scale what is there, so they get zeros.
        var y = x.rows > 1 && x.cols > 0 ? Matrix(uninitializedHugeRows: x.rows, cols: weight.rows)
                                         : Matrix(rows: x.rows, cols: weight.rows)
        linear(x, weight, accumulateInto: &y, beta: 0)
        return y
    }

    /// `y = x · Wᵀ + beta · y` — with `beta = 1` this adds a projection onto the residual stream
    /// without a temporary.
    public static func linear(_ x: Matrix, _ weight: Matrix, accumulateInto y: inout Matrix, beta: Float) {
        precondition(x.cols == weight.cols && y.rows == x.rows && y.cols == weight.rows,
                     "linear: shapes \(x.shape)·\(weight.shape)ᵀ → \(y.shape)")
        x.storage.withUnsafeBufferPointer { xp in
            weight.storage.withUnsafeBufferPointer { wp in
                y.storage.withUnsafeMutableBufferPointer { yp in
                    if x.rows == 1 {
                        sgemv(m: weight.rows, n: weight.cols, a: wp.baseAddress!, lda: weight.cols, x: xp.baseAddress!,
                              beta: beta, y: yp.baseAddress!)
                        return
                    }
                    sgemm(transA: false, transB: true, m: x.rows, n: weight.rows, k: x.cols,
                          a: xp.baseAddress!, lda: x.cols, b: wp.baseAddress!, ldb: weight.cols,
                          beta: beta, c: yp.baseAddress!, ldc: y.cols)
                }
            }
        }
    }

    /// `y = x · Wᵀ + beta · y` on views (workspace buffers, column slices).
    static func linear(_ x: MatrixView, _ weight: Matrix, into y: MatrixView, beta: Float = 0) {
        precondition(x.cols == weight.cols && y.rows == x.rows && y.cols == weight.rows,
                     "linear: shapes \(x.shape)·\(weight.shape)ᵀ → \(y.shape)")
        weight.storage.withUnsafeBufferPointer { wp in
            if x.rows == 1 {   // a decode step: W · x (rows of views are contiguous)
                sgemv(m: weight.rows, n: weight.cols, a: wp.baseAddress!, lda: weight.cols, x: x.base, beta: beta, y: y.base)
                return
            }
            sgemm(transA: false, transB: true, m: x.rows, n: weight.rows, k: x.cols,
                  a: x.base, lda: x.stride, b: wp.baseAddress!, ldb: weight.cols,
                  beta: beta, c: y.base, ldc: y.stride)
        }
    }

    /// Plain `A · B`.
    public static func matmul(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.cols == b.rows, "matmul: \(a.shape)·\(b.shape)")
        var c = Matrix(rows: a.rows, cols: b.cols)
        a.storage.withUnsafeBufferPointer { ap in
            b.storage.withUnsafeBufferPointer { bp in
                c.storage.withUnsafeMutableBufferPointer { cp in
                    sgemm(transA: false, transB: false, m: a.rows, n: b.cols, k: a.cols,
                          a: ap.baseAddress!, lda: a.cols, b: bp.baseAddress!, ldb: b.cols,
                          c: cp.baseAddress!, ldc: c.cols)
                }
            }
        }
        return c
    }
}
