import Foundation
import XCTest
@testable import HymbaKit

final class NextTokenLossTests: XCTestCase {
    func testLossMatchesADoublePrecisionLogSoftmax() {
        let vocab = 1003, ids = [5, 17, 1002, 0, 640]
        var logits = Matrix(rows: ids.count, cols: vocab)
        for i in 0..<logits.count { logits.storage[i] = Float(sin(Double(i) * 0.37)) * 12 }
        let losses = NextTokenLoss.perToken(logits: logits, ids: ids)
        XCTAssertEqual(losses.count, 4)
        for t in 0..<4 {
            let row = logits.row(t).map(Double.init)
            let m = row.max()!
            let expected = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) }) - row[ids[t + 1]]
            XCTAssertEqual(losses[t], expected, accuracy: 1e-5 * max(1, abs(expected)))
        }
        XCTAssertEqual(NextTokenLoss.mean(logits: logits, ids: ids), losses.reduce(0, +) / 4, accuracy: 1e-12)
    }
}
