import Foundation
import XCTest
@testable import HymbaKit

/// The logit lens against the reference: residual rows from the goldens (`layers.{i}.hidden`),
/// weights straight from the fixture's safetensors, every product recomputed here in Double.
final class LogitLensTests: XCTestCase {
    /// One fixture prompt with everything the lens needs, read from the files (not the model).
    private struct Case {
        let name: String
        let model: HymbaModel
        let golden: SafeTensorsFile
        let ids: [Int]
        let metaCount: Int
        let layers: Int
        let width: Int
        let vocab: Int
        let eps: Double
        /// `(vocab, D)` tied embedding and `(D)` final norm, from model.safetensors.
        let embedding: [Float]
        let finalNorm: [Float]

        func hidden(_ layer: Int) throws -> Matrix {
            Matrix(rows: metaCount + ids.count, cols: width, storage: try golden.floats("layers.\(layer).hidden"))
        }

        /// `RMSNorm(h) · Eᵀ` of one residual row, in Double.
        func referenceLogits(_ row: ArraySlice<Float>) -> [Double] {
            let x = row.map(Double.init)
            let scale = 1 / ((x.reduce(0) { $0 + $1 * $1 } / Double(width)) + eps).squareRoot()
            let normed = (0..<width).map { Double(finalNorm[$0]) * x[$0] * scale }
            return (0..<vocab).map { v in
                var dot = 0.0
                for j in 0..<width { dot += normed[j] * Double(embedding[v * width + j]) }
                return dot
            }
        }
    }

    private func cases() throws -> [Case] {
        var out: [Case] = []
        for fixture in Fixtures.parityFixtures {
            let checkpoint = try Checkpoint(directory: fixture)
            let model = try HymbaModel(checkpoint: checkpoint)
            let weights = try SafeTensorsFile(path: fixture.appendingPathComponent("model.safetensors").path)
            XCTAssertNil(weights.tensors["lm_head.weight"], "the fixtures tie the LM head to the embedding")
            let c = checkpoint.config
            for prompt in try Fixtures.prompts(of: fixture) {
                out.append(Case(name: "\(fixture.lastPathComponent)/\(prompt.file.lastPathComponent)", model: model,
                                golden: try SafeTensorsFile(path: prompt.file.path), ids: prompt.ids,
                                metaCount: c.memoryTokens, layers: c.hiddenLayers, width: c.hiddenSize,
                                vocab: c.vocabSize, eps: Double(c.rmsNormEps),
                                embedding: try weights.floats("model.embed_tokens.weight"),
                                finalNorm: try weights.floats("model.final_layernorm.weight")))
            }
        }
        XCTAssertGreaterThanOrEqual(out.count, 3, "tiny-bf16 (two prompts) and tiny-f32")
        return out
    }

    /// After the last layer the lens is the model's readout: the golden logits.
    func testLastLayerLensEqualsTheGoldenLogits() throws {
        for c in try cases() {
            let lens = LogitLens(model: c.model)
            let hidden = try c.hidden(c.layers - 1)
            let logits = lens.logits(of: hidden, rows: c.metaCount..<hidden.rows)
            XCTAssertEqual(logits.shape, [c.ids.count, c.vocab])
            XCTAssertLessThanOrEqual(Parity.scaledError(logits.storage, try c.golden.floats("logits")), Parity.relativeTolerance, c.name)
        }
    }

    /// Every layer: lens logits, top-k, log-probabilities and the next token's rank against the
    /// same quantities computed here in Double from the golden residual and the file's weights.
    func testEveryLayerMatchesADoubleComputationFromTheGoldens() throws {
        let k = 5
        for c in try cases() {
            let lens = LogitLens(model: c.model)
            let n = c.ids.count
            for layer in 0..<c.layers {
                let hidden = try c.hidden(layer)
                let rows = Array(c.metaCount..<hidden.rows)
                let targets: [Int?] = (0..<n).map { $0 + 1 < n ? c.ids[$0 + 1] : nil }
                let readouts = try lens.readouts(of: hidden, rows: rows, targets: targets, topK: k)
                let full = lens.logits(of: hidden, rows: c.metaCount..<hidden.rows)
                XCTAssertEqual(readouts.count, n)
                for t in 0..<n {
                    let where_ = "\(c.name) layer \(layer) token \(t)"
                    let reference = c.referenceLogits(hidden.storage[((c.metaCount + t) * c.width)..<((c.metaCount + t + 1) * c.width)])
                    let maximum = reference.max()!
                    let lse = maximum + Foundation.log(reference.reduce(0) { $0 + Foundation.exp($1 - maximum) })
                    let scale = max(1, reference.map(abs).max()!)
                    for v in 0..<c.vocab {
                        XCTAssertLessThanOrEqual(abs(Double(full[t, v]) - reference[v]) / scale, 1e-5, "\(where_) logit \(v)")
                    }
                    XCTAssertEqual(readouts[t].logSumExp, lse, accuracy: 1e-4, where_)
                    // Top k: the Double order, best first (no near-ties in these rows: checked).
                    let order = (0..<c.vocab).sorted { reference[$0] != reference[$1] ? reference[$0] > reference[$1] : $0 < $1 }
                    for slot in 0..<k { XCTAssertGreaterThan(reference[order[slot]] - reference[order[slot + 1]], 1e-4, "\(where_): near tie") }
                    XCTAssertEqual(readouts[t].top.map(\.id), Array(order.prefix(k)), where_)
                    for (slot, token) in readouts[t].top.enumerated() {
                        XCTAssertEqual(token.logProbability, reference[order[slot]] - lse, accuracy: 1e-4, where_)
                    }
                    // The next token's rank and log-probability; the last token has no target.
                    if let target = targets[t] {
                        let readout = try XCTUnwrap(readouts[t].target, where_)
                        let rank = 1 + reference.filter { $0 > reference[target] }.count
                        XCTAssertTrue(reference.allSatisfy { $0 == reference[target] || abs($0 - reference[target]) > 1e-4 }, "\(where_): rank tie")
                        XCTAssertEqual(readout.id, target)
                        XCTAssertEqual(readout.rank, rank, where_)
                        XCTAssertEqual(readout.logProbability, reference[target] - lse, accuracy: 1e-4, where_)
                    } else {
                        XCTAssertNil(readouts[t].target, where_)
                    }
                }
            }
        }
    }

    /// Rows are read in chunks of `chunkRows`: any chunk size, any order of rows, and any subset
    /// give the readouts of the rows read alone (to fp32 rounding: sgemm sums in a different
    /// order for a different number of rows, about 1e-7 relative).
    func testChunkingAndRowChoiceDoNotChangeReadouts() throws {
        let c = try XCTUnwrap(cases().first)
        let lens = LogitLens(model: c.model)
        let hidden = try c.hidden(1)
        let rows = Array(c.metaCount..<hidden.rows)
        let alone = try rows.map { try lens.readouts(of: hidden, rows: [$0], topK: 3)[0] }
        for chunk in [1, 5, 32] {
            assertClose(try lens.readouts(of: hidden, rows: rows, topK: 3, chunkRows: chunk), alone, "chunk \(chunk)")
        }
        assertClose(try lens.readouts(of: hidden, rows: [rows[7], rows[2]], topK: 3), [alone[7], alone[2]], "picked rows")
        // Meta rows are rows too (the caller decides which to read).
        XCTAssertEqual(try lens.readouts(of: hidden, rows: [0], topK: 1).count, 1)
    }

    private func assertClose(_ a: [LensReadout], _ b: [LensReadout], _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.top.map(\.id), y.top.map(\.id), message, file: file, line: line)
            XCTAssertEqual(x.logSumExp, y.logSumExp, accuracy: 1e-5, message, file: file, line: line)
            for (s, t) in zip(x.top, y.top) {
                XCTAssertEqual(s.logProbability, t.logProbability, accuracy: 1e-5, message, file: file, line: line)
            }
        }
    }

    /// Top-k and rank on crafted logits: ties share the better rank and keep the lower id first.
    func testTopKAndRankOnKnownLogits() {
        let logits: [Float] = [0.5, 2, -1, 2, 3, 0.5]
        let readout = logits.withUnsafeBufferPointer { LogitLens.readout($0, topK: 4, target: 5) }
        XCTAssertEqual(readout.top.map(\.id), [4, 1, 3, 0])
        let lse = Foundation.log(logits.reduce(0.0) { $0 + Foundation.exp(Double($1)) })
        XCTAssertEqual(readout.logSumExp, lse, accuracy: 1e-6)
        XCTAssertEqual(readout.top[0].probability, Foundation.exp(3 - lse), accuracy: 1e-6)
        XCTAssertEqual(readout.target?.rank, 4, "three logits above 0.5; id 0 ties with it and does not count")
        XCTAssertEqual(logits.withUnsafeBufferPointer { LogitLens.readout($0, topK: 1, target: 4) }.target?.rank, 1)
        XCTAssertEqual(logits.withUnsafeBufferPointer { LogitLens.readout($0, topK: 0, target: nil) }.top, [])
        XCTAssertEqual(logits.withUnsafeBufferPointer { LogitLens.readout($0, topK: 6, target: nil) }.top.map(\.id), [4, 1, 3, 0, 5, 2])
    }

    func testBadRequestsAreNamed() throws {
        let c = try XCTUnwrap(cases().first)
        let lens = LogitLens(model: c.model)
        let hidden = try c.hidden(0)
        XCTAssertThrowsError(try lens.readouts(of: hidden, rows: [hidden.rows], topK: 1)) {
            XCTAssertEqual($0 as? LensError, .rowOutOfRange(row: hidden.rows, rows: hidden.rows))
        }
        XCTAssertThrowsError(try lens.readouts(of: hidden, rows: [0], targets: [c.vocab], topK: 1)) {
            XCTAssertEqual($0 as? LensError, .targetOutOfRange(id: c.vocab, vocabularySize: c.vocab))
        }
        XCTAssertThrowsError(try lens.readouts(of: hidden, rows: [0, 1], targets: [nil], topK: 1)) {
            XCTAssertEqual($0 as? LensError, .targetCountMismatch(rows: 2, targets: 1))
        }
        XCTAssertThrowsError(try lens.readouts(of: Matrix(rows: 1, cols: c.width + 1), rows: [0], topK: 1)) {
            XCTAssertTrue("\($0)".contains("width"))
        }
        XCTAssertEqual(try lens.readouts(of: hidden, rows: [], topK: 3), [])
        XCTAssertEqual(try lens.readouts(of: hidden, rows: [0], topK: 10 * c.vocab)[0].top.count, c.vocab, "k capped at the vocabulary")
    }
}
