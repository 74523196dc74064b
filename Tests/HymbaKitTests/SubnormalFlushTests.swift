import CKernels
import Foundation
import XCTest
@testable import HymbaKit

/// Subnormals are flushed inside the model's arithmetic and nowhere else: the caller's
/// floating-point mode is the same after a pass as before it.
final class SubnormalFlushTests: XCTestCase {
    /// `a · b` by the model's own elementwise kernel (at this CPU's best level, as the forward
    /// runs it), 17 lanes so both the vector body and the scalar tail are checked; all equal.
    private func product(_ a: Float, _ b: Float) -> Float {
        let count = 17
        let x = [Float](repeating: a, count: count), y = [Float](repeating: b, count: count)
        var out = [Float](repeating: .nan, count: count)
        hl_multiply(KernelLevel.best, &out, x, y, count)
        XCTAssertEqual(Set(out.map(\.bitPattern)).count, 1, "every lane gives the same product")
        return out[0]
    }

    /// 2⁻¹⁰⁰ · 2⁻³⁰ = 2⁻¹³⁰ is subnormal in float32 (the smallest normal is 2⁻¹²⁶).
    func testScopeFlushesAndRestores() {
        let a = Float(sign: .plus, exponent: -100, significand: 1), b = Float(sign: .plus, exponent: -30, significand: 1)
        XCTAssertEqual(product(a, b), Float(sign: .plus, exponent: -130, significand: 1), "IEEE mode outside the scope")
        XCTAssertTrue(product(a, b).isSubnormal)
        SubnormalFlush.scope {
            XCTAssertEqual(self.product(a, b), 0, "a subnormal result is flushed to zero")
            // DAZ: a subnormal input reads as zero, so 2⁻¹³⁰ · 2¹⁰⁰ is 0, not 2⁻³⁰.
            let subnormal = Float(sign: .plus, exponent: -130, significand: 1)
            XCTAssertEqual(self.product(subnormal, Float(sign: .plus, exponent: 100, significand: 1)), 0)
            SubnormalFlush.scope { XCTAssertEqual(self.product(a, b), 0, "nested scopes keep flushing") }
            XCTAssertEqual(self.product(a, b), 0, "an inner scope's exit restores the outer mode")
        }
        XCTAssertTrue(product(a, b).isSubnormal, "the caller's mode is restored")
    }

    func testAForwardPassLeavesTheCallersModeAlone() throws {
        let fixture = Fixtures.parity.appendingPathComponent("tiny-f32")
        let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
        let before = hl_flush_subnormals()
        hl_restore_float_mode(before)
        _ = try model.forward(ids: [1, 5, 9, 2])
        let after = hl_flush_subnormals()
        hl_restore_float_mode(after)
        XCTAssertEqual(before, after)
        let a = Float(sign: .plus, exponent: -100, significand: 1), b = Float(sign: .plus, exponent: -30, significand: 1)
        XCTAssertTrue(product(a, b).isSubnormal)
    }
}
