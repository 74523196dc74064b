import XCTest
@testable import HymbaKit

/// The copies a recording makes, at sizes large enough to be split over the cores (more than one
/// `ParallelRows` chunk) and with chunk boundaries that fall inside rows and across the seam of
/// two stacked tensors.
final class ParallelCopyTests: XCTestCase {
    private func values(_ count: Int, offset: Float) -> [Float] { (0..<count).map { Float($0) * 0.5 + offset } }

    func testArrayWritesEveryChunkOnce() {
        let count = 3 * ParallelRows.floatsPerTask + 17
        let array = ParallelCopy.array(count: count) { range, base in
            for i in range { base[i] = Float(i) }
        }
        XCTAssertEqual(array, (0..<count).map(Float.init))
    }

    func testStackingCopiesBothPartsAcrossChunks() {
        let cols = 1000, topRows = 70, bottomRows = 131           // the seam at 70 000, inside the second chunk
        let top = Tensor(shape: [topRows, cols], floats: values(topRows * cols, offset: 1))
        let bottom = Tensor(shape: [bottomRows, cols], floats: values(bottomRows * cols, offset: -7))
        let stacked = Tensor(stackingRowsOf: top, bottom)
        XCTAssertEqual(stacked.shape, [topRows + bottomRows, cols])
        XCTAssertEqual(stacked.floats, top.floats + bottom.floats)
        let empty = Tensor(shape: [0, cols], floats: [])
        XCTAssertEqual(Tensor(stackingRowsOf: empty, bottom).floats, bottom.floats)
        XCTAssertEqual(Tensor(stackingRowsOf: top, empty).floats, top.floats)
    }

    func testViewOfStridedColumnsCopiesEveryRow() {
        let rows = 300, cols = 1200
        let full = Matrix(rows: rows, cols: cols, storage: values(rows * cols, offset: 3))
        let copy = full.withView { $0.columns(100..<1100).matrix }
        XCTAssertEqual(copy.shape, [rows, 1000])
        let expected = (0..<rows).flatMap { r in full.storage[(r * cols + 100)..<(r * cols + 1100)] }
        XCTAssertEqual(copy.storage, expected)
    }
}
