import CKernels
import Foundation
import XCTest
@testable import HymbaKit

/// Arrays allocated with huge-page advice hold exactly what was written into them, and a
/// projection into an uninitialised output equals the same product computed by hand.
final class HugePageFloatsTests: XCTestCase {
    func testMakeKeepsEveryWrittenValue() {
        let count = 3 << 20                       // 12 MiB: several whole 2 MiB pages inside
        let values = HugePageFloats.make(count: count) { out in
            for i in 0..<out.count { out[i] = Float(i % 1000) - 500 }
        }
        XCTAssertEqual(values.count, count)
        XCTAssertEqual(values[0], -500)
        XCTAssertEqual(values[count - 1], Float((count - 1) % 1000) - 500)
        XCTAssertEqual(values.reduce(0.0) { $0 + Double($1) }, (0..<count).reduce(0.0) { $0 + Double($1 % 1000) - 500 })
    }

    func testConcatenationIsBothInOrder() {
        let a: [Float] = [1, 2, 3], b: [Float] = [-4, 5]
        XCTAssertEqual(HugePageFloats.concatenation(a, b), [1, 2, 3, -4, 5])
        XCTAssertEqual(HugePageFloats.concatenation([], b), b)
        XCTAssertEqual(HugePageFloats.concatenation(a, []), a)
    }

    func testVstackKeepsRowOrderAndSkipsEmptyParts() {
        let top = Matrix(rows: 2, cols: 3, storage: [1, 2, 3, 4, 5, 6])
        let bottom = Matrix(rows: 1, cols: 3, storage: [7, 8, 9])
        XCTAssertEqual(Matrix.vstack([top, Matrix(rows: 0, cols: 3), bottom]),
                       Matrix(rows: 3, cols: 3, storage: [1, 2, 3, 4, 5, 6, 7, 8, 9]))
        XCTAssertEqual(Matrix.vstack([]), Matrix(rows: 0, cols: 0))
    }

    /// Advice is only ever given for whole 2 MiB pages inside the range.
    func testNoAdviceWithoutAWholeHugePage() {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { buffer.deallocate() }
        XCTAssertEqual(hl_advise_huge_pages(buffer, 1 << 20), 0)
        XCTAssertEqual(hl_advise_huge_pages(buffer, 0), 0)
    }

    /// `BLAS.linear` writes its output without zeroing it first; every entry must still be the
    /// product (several rows: sgemm; one row: sgemv into zeros; no input columns: all zeros).
    func testLinearIntoAnUninitialisedOutputIsTheProduct() {
        let x = Matrix(rows: 3, cols: 5, storage: (0..<15).map { Float($0) * 0.25 - 1 })
        let w = Matrix(rows: 4, cols: 5, storage: (0..<20).map { Float(($0 * 7) % 11) - 5 })
        func expected(_ x: Matrix) -> Matrix {
            var y = Matrix(rows: x.rows, cols: w.rows)
            for r in 0..<x.rows { for o in 0..<w.rows { y[r, o] = (0..<x.cols).reduce(0) { $0 + x[r, $1] * w[o, $1] } } }
            return y
        }
        XCTAssertEqual(BLAS.linear(x, w), expected(x))
        XCTAssertEqual(BLAS.linear(x.rows(1..<2), w), expected(x.rows(1..<2)))
        XCTAssertEqual(BLAS.linear(Matrix(rows: 3, cols: 0), Matrix(rows: 4, cols: 0)), Matrix(rows: 3, cols: 4))
    }
}
