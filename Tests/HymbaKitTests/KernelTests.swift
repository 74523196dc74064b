import CKernels
import Foundation
import XCTest
@testable import HymbaKit

/// The C kernels at every level this CPU runs (generic, and AVX2 / AVX-512 where present), each
/// against a float64 evaluation of its formula. Sizes include vector tails (counts that are not
/// multiples of 16) and the shapes of the 1.5B model.
final class KernelMathTests: XCTestCase {
    func testExpIsAccurateToAFewUlpAtEveryLevel() {
        var inputs: [Float] = []
        var x: Float = -86.6
        while x < 88.7 { inputs.append(x); x += 0.0173 }
        for level in KernelLevel.supported {
            var values = inputs
            hl_exp_in_place(level, &values, values.count)
            var worst = 0.0
            for (input, value) in zip(inputs, values) {
                let exact = Foundation.exp(Double(input))
                worst = max(worst, abs(Double(value) - exact) / exact)
            }
            XCTAssertLessThan(worst, 3e-7, "relative error at \(KernelLevel.name(of: level))")
        }
    }

    func testExpEdges() {
        for level in KernelLevel.supported {
            var v: [Float] = [0, -1000, 1000, -.infinity, 88.7, -87.5, 1, -1, .nan]
            hl_exp_in_place(level, &v, v.count)
            XCTAssertEqual(v[0], 1)
            XCTAssertEqual(v[1], 0)
            XCTAssertEqual(v[2], .infinity)
            XCTAssertEqual(v[3], 0)
            let big = Foundation.exp(Double(Float(88.7)))
            XCTAssertEqual(Double(v[4]), big, accuracy: big * 1e-6)
            XCTAssertEqual(v[5], 0)
            XCTAssertEqual(v[6], Float(M_E), accuracy: 1e-6)
            XCTAssertEqual(v[7], Float(1 / M_E), accuracy: 1e-7)
            XCTAssertTrue(v[8].isNaN, "NaN stays NaN")
        }
    }

    func testLogSoftplusAndSiLUMatchLibm() {
        var inputs: [Float] = []
        var x: Float = -30
        while x < 30 { inputs.append(x); x += 0.0137 }
        let n = inputs.count
        for level in KernelLevel.supported {
            var softplus = inputs, zeros = [Float](repeating: 0, count: n)
            hl_softplus_with_bias(level, &softplus, 1, Int32(n), Int32(n), &zeros)
            var silu = [Float](repeating: 1, count: n)
            hl_multiply_by_silu(level, &silu, Int32(n), inputs, Int32(n), 1, Int32(n))
            let positives = inputs.map { Float(Foundation.exp(Double($0) / 3)) }
            var logs = positives
            hl_log_in_place(level, &logs, n)
            var worstLog = 0.0, worstSoftplus = 0.0, worstSiLU = 0.0
            for i in 0..<n {
                let v = Double(inputs[i])
                let exactSoftplus = v > 20 ? v : Foundation.log1p(Foundation.exp(v))
                worstSoftplus = max(worstSoftplus, abs(Double(softplus[i]) - exactSoftplus) / exactSoftplus)
                let exactSiLU = v / (1 + Foundation.exp(-v))
                worstSiLU = max(worstSiLU, abs(Double(silu[i]) - exactSiLU) / max(abs(exactSiLU), 1e-30))
                let exactLog = Foundation.log(Double(positives[i]))
                worstLog = max(worstLog, abs(Double(logs[i]) - exactLog) / max(abs(exactLog), 1e-3))
            }
            let name = KernelLevel.name(of: level)
            XCTAssertLessThan(worstLog, 5e-7, name)
            XCTAssertLessThan(worstSoftplus, 5e-7, name)
            XCTAssertLessThan(worstSiLU, 5e-7, name)
        }
    }

    func testTailsAreHandledAtEveryLength() {
        for level in KernelLevel.supported {
            for count in [0, 1, 5, 15, 16, 17, 31, 70_001] {
                let inputs = (0..<count).map { Float($0 % 97) / 10 - 4 }
                var values = inputs
                hl_exp_in_place(level, &values, count)
                for i in 0..<count {
                    let exact = Float(Foundation.exp(Double(inputs[i])))
                    XCTAssertEqual(values[i], exact, accuracy: 3e-7 * exact, "count \(count) index \(i)")
                }
            }
        }
    }

    func testMaskedSoftmaxZeroesEverythingOutsideItsRanges() {
        for level in KernelLevel.supported {
            for count in [4, 21, 40] {
                var row = (0..<count).map { Float(sin(Double($0))) * 3 }
                let original = row
                let ranges = (meta: 0..<2, window: (count / 2)..<(count - 1))
                hl_masked_softmax(level, &row, Int32(count), Int32(ranges.meta.lowerBound), Int32(ranges.meta.upperBound),
                                  Int32(ranges.window.lowerBound), Int32(ranges.window.upperBound))
                let visible = Array(ranges.meta) + Array(ranges.window)
                let top = visible.map { Double(original[$0]) }.max()!
                let total = visible.reduce(0.0) { $0 + Foundation.exp(Double(original[$1]) - top) }
                for j in 0..<count {
                    if visible.contains(j) {
                        XCTAssertEqual(Double(row[j]), Foundation.exp(Double(original[j]) - top) / total, accuracy: 1e-6)
                    } else {
                        XCTAssertEqual(row[j], 0, "masked entries are exactly 0")
                    }
                }
            }
        }
    }

    func testLogSumExpMatchesDouble() {
        for level in KernelLevel.supported {
            for count in [1, 17, 32001] {
                let row = (0..<count).map { Float(sin(Double($0) * 0.37)) * 12 }
                let top = row.map(Double.init).max()!
                let exact = top + Foundation.log(row.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) })
                XCTAssertEqual(hl_log_sum_exp(level, row, count), exact, accuracy: 1e-6 * max(1, abs(exact)))
            }
        }
    }
}

final class KernelPassTests: XCTestCase {
    /// Deterministic values in [−1, 1).
    private func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 7 + seed) * 1.618)) }
    }

    func testRMSNormAndBranchMixMatchDouble() {
        let rows = 5, cols = 3200 + 3, eps: Float = 1e-6
        let a = values(rows * cols, seed: 1), s = values(rows * cols, seed: 2).map { $0 * 40 }
        let wa = values(cols, seed: 3), ws = values(cols, seed: 4)
        func inverses(_ x: [Float]) -> [Double] {
            (0..<rows).map { t in
                1 / (x[(t * cols)..<((t + 1) * cols)].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(cols) + Double(eps)).squareRoot()
            }
        }
        let inverseA = inverses(a), inverseS = inverses(s)
        func normalizedA(_ t: Int, _ j: Int) -> Double { Double(wa[j]) * Double(a[t * cols + j]) * inverseA[t] }
        func normalizedS(_ t: Int, _ j: Int) -> Double { Double(ws[j]) * Double(s[t * cols + j]) * inverseS[t] }
        for level in KernelLevel.supported {
            var out = [Float](repeating: 0, count: rows * cols)
            hl_rms_norm(level, a, Int32(cols), Int32(rows), Int32(cols), wa, eps, &out, Int32(cols))
            for (keepA, keepS) in [(1, 1), (0, 1), (1, 0)] as [(Int32, Int32)] {
                var mixed = [Float](repeating: .nan, count: rows * cols)
                hl_mix_branches(level, a, Int32(cols), s, Int32(cols), Int32(rows), Int32(cols), wa, ws, eps,
                                keepA, keepS, &mixed, Int32(cols))
                for t in 0..<rows {
                    for j in stride(from: 0, to: cols, by: 7) {
                        let expected = (Double(keepA) * normalizedA(t, j) + Double(keepS) * normalizedS(t, j)) / 2
                        XCTAssertEqual(Double(mixed[t * cols + j]), expected, accuracy: 1e-6)
                    }
                }
            }
            for t in 0..<rows {
                for j in 0..<cols { XCTAssertEqual(Double(out[t * cols + j]), normalizedA(t, j), accuracy: 1e-6) }
            }
        }
    }

    func testCausalConvWithHistoryMatchesDouble() {
        let rows = 9, channels = 37, width = 4, stride = 50, historyRows = 3
        let input = values(rows * stride, seed: 5), history = values(historyRows * channels, seed: 6)
        let taps = values(width * channels, seed: 7), bias = values(channels, seed: 8)
        for level in KernelLevel.supported {
            for withHistory in [false, true] {
                var out = [Float](repeating: .nan, count: rows * channels)
                history.withUnsafeBufferPointer { h in
                    hl_causal_conv_silu(level, input, Int32(stride), withHistory ? h.baseAddress : nil, Int32(historyRows),
                                        taps, Int32(width), bias, Int32(channels), &out, 0, Int32(rows))
                }
                for t in 0..<rows {
                    for e in 0..<channels {
                        var sum = Double(bias[e])
                        for k in 0..<width {
                            let s = t - (width - 1) + k
                            let x = s >= 0 ? Double(input[s * stride + e]) : (withHistory ? Double(history[(s + historyRows) * channels + e]) : 0)
                            sum += Double(taps[k * channels + e]) * x
                        }
                        XCTAssertEqual(Double(out[t * channels + e]), sum / (1 + Foundation.exp(-sum)), accuracy: 1e-6)
                    }
                }
            }
        }
    }

    /// The packed factor rows of the SSM implicit attention's halving: any subset of the (n, c)
    /// columns in any order, each read through its own channel and state, with and without the
    /// per-channel weight, at every count up to two vectors and a tail, against float64.
    func testPackedDecayRowMatchesDouble() {
        let width = 40, states = 16
        let upper = values(width, seed: 21).map { 3 + Double($0) }, lower = values(width, seed: 22).map { Double($0) }
        let weightN = values(states, seed: 23), weightC = values(width, seed: 24)
        for count in [1, 15, 16, 17, 33, 40] {
            // Distinct columns in a scrambled order (263 is coprime to 640), so a lane reading a
            // neighbour's channel or state shows.
            let columns = (0..<count).map { ($0 * 263 + 17) % (width * states) }
            let channelOf = columns.map { Int32($0 % width) }, stateOf = columns.map { Int32($0 / width) }
            let rates = columns.map { -Float(1 + $0 % 7) / 4 * ($0 % 2 == 0 ? 1 : -1) }
            for withChannelWeight in [false, true] {
                let expected: [Double] = (0..<count).map { i in
                    let c = Int(channelOf[i]), n = Int(stateOf[i])
                    let weight = Double(weightN[n]) * (withChannelWeight ? Double(weightC[c]) : 1)
                    return weight * Foundation.exp(Double(rates[i]) * (upper[c] - lower[c]))
                }
                for level in KernelLevel.supported {
                    var x = [Float](repeating: .nan, count: count + 3)
                    x.withUnsafeMutableBufferPointer { x in
                        withChannelWeight
                            ? hl_packed_decay_row(level, x.baseAddress, Int32(count), rates, channelOf, stateOf, upper, lower,
                                                  weightN, weightC)
                            : hl_packed_decay_row(level, x.baseAddress, Int32(count), rates, channelOf, stateOf, upper, lower,
                                                  weightN, nil)
                    }
                    for i in 0..<count {
                        XCTAssertEqual(Double(x[i]), expected[i], accuracy: 2e-6 * abs(expected[i]),
                                       "column \(i) of \(count) at \(KernelLevel.name(of: level))")
                    }
                    XCTAssertTrue(x[count...].allSatisfy(\.isNaN), "wrote past the row at \(KernelLevel.name(of: level))")
                }
            }
        }
    }

    /// The scan at the 1.5B state size with a channel tail, an initial state and the gate, against
    /// the recurrence in float64.
    func testSelectiveScanMatchesDouble() {
        let rows = 23, channels = 64 + 19, states = 16, gateStride = channels + 5
        let u = values(rows * channels, seed: 11), z = values(rows * gateStride, seed: 12)
        let delta = values(rows * channels, seed: 13).map { 0.05 + abs($0) }
        let negA = values(states * channels, seed: 14).map { -(0.5 + 8 * abs($0)) }
        let b = values(rows * states, seed: 15), c = values(rows * states, seed: 16)
        let skip = values(channels, seed: 17), initial = values(states * channels, seed: 18)
        var reference = [Double](repeating: 0, count: rows * channels), referenceNorms = reference
        var state = initial.map(Double.init)                      // (N, E)
        for t in 0..<rows {
            for e in 0..<channels {
                var y = 0.0, squares = 0.0
                let dt = Double(delta[t * channels + e]), x = Double(u[t * channels + e])
                for n in 0..<states {
                    let s = Foundation.exp(dt * Double(negA[n * channels + e])) * state[n * channels + e] + dt * x * Double(b[t * states + n])
                    state[n * channels + e] = s
                    y += s * Double(c[t * states + n])
                    squares += s * s
                }
                let gate = Double(z[t * gateStride + e])
                reference[t * channels + e] = (y + Double(skip[e]) * x) * gate / (1 + Foundation.exp(-gate))
                referenceNorms[t * channels + e] = squares.squareRoot()
            }
        }
        for level in KernelLevel.supported {
            var out = [Float](repeating: .nan, count: rows * channels), norms = out
            var final = [Float](repeating: .nan, count: channels * states)
            u.withUnsafeBufferPointer { u in delta.withUnsafeBufferPointer { delta in negA.withUnsafeBufferPointer { negA in
            b.withUnsafeBufferPointer { b in c.withUnsafeBufferPointer { c in skip.withUnsafeBufferPointer { skip in
            initial.withUnsafeBufferPointer { initial in z.withUnsafeBufferPointer { z in
            out.withUnsafeMutableBufferPointer { out in norms.withUnsafeMutableBufferPointer { norms in
            final.withUnsafeMutableBufferPointer { final in
                var problem = hl_scan_problem(
                    rows: Int32(rows), channels: Int32(channels), states: Int32(states), u: u.baseAddress, delta: delta.baseAddress,
                    negA: negA.baseAddress, b: b.baseAddress, c: c.baseAddress, skip: skip.baseAddress,
                    initialState: initial.baseAddress, gate: z.baseAddress, gateStride: Int32(gateStride),
                    out: out.baseAddress, stateNorms: norms.baseAddress, finalState: final.baseAddress)
                var scratch = [Float](repeating: .nan, count: states * 64)
                // Two blocks: a full one and the tail, as the forward splits channels.
                hl_selective_scan(level, &problem, 0, 64, &scratch)
                hl_selective_scan(level, &problem, 64, Int32(channels - 64), &scratch)
            }}}}}}}}}}}
            let name = KernelLevel.name(of: level)
            XCTAssertLessThan(Parity.scaledError(out, reference.map(Float.init)), 1e-5, name)
            XCTAssertLessThan(Parity.scaledError(norms, referenceNorms.map(Float.init)), 1e-5, name)
            for e in 0..<channels {
                for n in 0..<states {
                    XCTAssertEqual(Double(final[e * states + n]), state[n * channels + e], accuracy: 1e-5 * max(1, abs(state[n * channels + e])))
                }
            }
        }
    }
}
