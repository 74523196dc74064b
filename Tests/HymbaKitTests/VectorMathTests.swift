import Foundation
import XCTest
@testable import HymbaKit

final class VectorMathTests: XCTestCase {
    /// The vectorised exp against libm over the whole useful range.
    func testExpIsAccurateToAFewUlp() {
        var worst: Double = 0
        var x: Float = -86.6
        while x < 88.7 {
            let lanes = VectorMath.exp(SIMD8<Float>((0..<8).map { x + Float($0) * 1e-3 }))
            for i in 0..<8 {
                let exact = Foundation.exp(Double(x + Float(i) * 1e-3))
                worst = max(worst, abs(Double(lanes[i]) - exact) / exact)
            }
            x += 0.0173
        }
        XCTAssertLessThan(worst, 3e-7, "relative error")
    }

    func testExpEdges() {
        let v = VectorMath.exp(SIMD8<Float>(0, -1000, 1000, -.infinity, 88.7, -87.5, 1, -1))
        XCTAssertEqual(v[0], 1)
        XCTAssertEqual(v[1], 0)
        XCTAssertEqual(v[2], .infinity)
        XCTAssertEqual(v[3], 0)
        let big = Foundation.exp(Double(Float(88.7)))
        XCTAssertEqual(Double(v[4]), big, accuracy: big * 1e-6)
        XCTAssertEqual(v[5], 0)
        XCTAssertEqual(v[6], Float(M_E), accuracy: 1e-6)
        XCTAssertEqual(v[7], Float(1 / M_E), accuracy: 1e-7)
    }

    func testSoftmaxTreatsMinusInfinityAsExactZero() {
        var row: [Float] = [1, -.infinity, 3, 2]
        row.withUnsafeMutableBufferPointer { VectorMath.softmaxInPlace($0.baseAddress!, count: 4) }
        XCTAssertEqual(row[1], 0)
        XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(row[2] / row[0], Float(Foundation.exp(2.0)), accuracy: 1e-4)
    }
}

final class VectorMathElementwiseTests: XCTestCase {
    func testLogSoftplusAndSiLUMatchLibm() {
        var worstLog = 0.0, worstSoftplus = 0.0, worstSiLU = 0.0
        var x: Float = -30
        while x < 30 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.001 })
            let softplus = VectorMath.softplus(lanes), silu = VectorMath.silu(lanes)
            let positive = SIMD8<Float>((0..<8).map { Float(Foundation.exp(Double(lanes[$0]) / 3)) })
            let logs = VectorMath.log(positive)
            for i in 0..<8 {
                let v = Double(lanes[i])
                let exactSoftplus = v > 20 ? v : Foundation.log1p(Foundation.exp(v))
                worstSoftplus = max(worstSoftplus, abs(Double(softplus[i]) - exactSoftplus) / exactSoftplus)
                let exactSiLU = v / (1 + Foundation.exp(-v))
                worstSiLU = max(worstSiLU, abs(Double(silu[i]) - exactSiLU) / max(abs(exactSiLU), 1e-30))
                let exactLog = Foundation.log(Double(positive[i]))
                worstLog = max(worstLog, abs(Double(logs[i]) - exactLog) / max(abs(exactLog), 1e-3))
            }
            x += 0.0137
        }
        XCTAssertLessThan(worstLog, 5e-7)
        XCTAssertLessThan(worstSoftplus, 5e-7)
        XCTAssertLessThan(worstSiLU, 5e-7)
    }

    func testMapInPlaceCoversTailsAndChunks() {
        for count in [0, 5, 8, 13, 70_001] {
            var values = (0..<count).map { Float($0 % 97) / 10 - 4 }
            let expected = values.map { VectorMath.softplus($0) }
            values.withUnsafeMutableBufferPointer { VectorMath.softplusInPlace($0.baseAddress!, count: count) }
            for i in 0..<count { XCTAssertEqual(values[i], expected[i], accuracy: 1e-6 * max(1, abs(expected[i]))) }
        }
    }
}

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
