import Foundation
import HymbaKit
import XCTest
@testable import HymbaAnalysis

/// The laws the journal and `merge` rely on, for every reducer, on synthetic passages with
/// awkward values (NaN, negative zero, values whose sums round): a state survives encoding bit
/// for bit; folding one-passage partials in order is bit for bit the same as adding the passages;
/// merging multi-passage partials agrees to rounding; damaged or mismatched states are refused.
final class MergeableReducerTests: XCTestCase {
    /// Deterministic "random" floats in (−1, 1) with a NaN and a −0 sprinkled in.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            if i == 3 && seed % 3 == 0 { return .nan }
            if i == 5 { return -0.0 }
            return Float(Double(generator.next() % 2_000_001) / 1_000_000 - 1) * 0.731
        }
    }

    static let layers = 2, heads = 3, meta = 4

    static func recording(_ seed: UInt64) -> PassageRecording {
        var tensors: [(HookPoint, Int, [Int], [Float])] = []
        for layer in 0..<layers {
            let s = seed &* 31 &+ UInt64(layer)
            tensors += [
                (.attnMass, layer, [heads, 4], values(heads * 4, seed: s)),
                (.ssmMass, layer, [heads, 4], values(heads * 4, seed: s + 1)),
                (.attnDistance, layer, [heads, 2], values(heads * 2, seed: s + 2)),
                (.ssmDistance, layer, [heads, 2], values(heads * 2, seed: s + 3)),
                (.attnEntropy, layer, [heads], values(heads, seed: s + 4)),
                (.ssmEntropy, layer, [heads], values(heads, seed: s + 5)),
                (.branchRMS, layer, [meta + 5, 4], values((meta + 5) * 4, seed: s + 6)),
                (.metaAttnReceived, layer, [heads, meta], values(heads * meta, seed: s + 7)),
            ]
        }
        return PassageRecording(tensors: tensors.map { ($0.0.key(layer: $0.1), Tensor(shape: $0.2, floats: $0.3)) },
                                tokenCount: 5, metaCount: meta)
    }

    /// Checks the laws for a reducer built by `empty` and fed by `add`.
    func assertLaws<R: MergeableReducer>(_ empty: () -> R, add: (inout R, Int) throws -> Void,
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        let passages = 0..<7
        var whole = empty()
        for p in passages { try add(&whole, p) }

        var folded = empty()
        for p in passages {
            var single = empty()
            try add(&single, p)
            try folded.merge(try R(encoded: single.encoded))
        }
        XCTAssertEqual(folded.encoded, whole.encoded, "one-passage partials folded in order = adding the passages", file: file, line: line)
        XCTAssertEqual(try R(encoded: whole.encoded).encoded, whole.encoded, "encoding round-trips", file: file, line: line)

        // Every cut of the bytes is refused with an error, never a crash.
        let bytes = whole.encoded
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
            XCTAssertThrowsError(try R(encoded: Array(bytes[0..<cut])), "cut at \(cut)", file: file, line: line)
        }
        XCTAssertThrowsError(try R(encoded: bytes + [0]), "trailing bytes", file: file, line: line)
    }

    func testSinkAccumulator() throws {
        try assertLaws({ SinkAccumulator(layers: Self.layers, heads: Self.heads) }) { try $0.add(Self.recording(UInt64($1))) }
        var a = SinkAccumulator(layers: 2, heads: 3), b = SinkAccumulator(layers: 2, heads: 4)
        XCTAssertThrowsError(try a.merge(b)) { XCTAssertTrue("\($0)".contains("cannot merge"), "\($0)") }
        b = a
        try a.merge(b)
    }

    func testEntropyHeadStatisticsAndMagnitudes() throws {
        try assertLaws({ EntropyAccumulator(layers: Self.layers, heads: Self.heads) }) { try $0.add(Self.recording(UInt64($1))) }
        try assertLaws({ HeadStatisticsAccumulator(layers: Self.layers, heads: Self.heads) }) { try $0.add(Self.recording(UInt64($1))) }
        try assertLaws({ BranchMagnitudeAccumulator(layers: Self.layers) }) { try $0.add(Self.recording(UInt64($1))) }
    }

    func testMetaProfilesKeepPassageOrder() throws {
        try assertLaws({ MetaProfileCollector(name: "d", layers: [0, 1], heads: Self.heads, metaCount: Self.meta) }) {
            try $0.add(Self.recording(UInt64($1)))
        }
        var first = MetaProfileCollector(name: "d", layers: [1], heads: Self.heads, metaCount: Self.meta)
        var second = first
        try first.add(Self.recording(1))
        try second.add(Self.recording(2))
        var merged = first
        try merged.merge(second)
        XCTAssertEqual(merged.profiles(layer: 1), first.profiles(layer: 1)! + second.profiles(layer: 1)!)
        XCTAssertThrowsError(try merged.merge(MetaProfileCollector(name: "other", layers: [1], heads: Self.heads, metaCount: Self.meta)))
    }

    func testDeltaNLL() throws {
        let ablations = [Ablation(layer: 0, .attentionBranch), Ablation(layer: 1, .ssmHead(2))]
        try assertLaws({ DeltaNLLAccumulator(ablations: ablations) }) { deltas, p in
            let n = 3 + p % 4
            let clean = Self.values(n, seed: UInt64(p) + 100).map { Double(abs($0)) + 1 }
            try deltas.add(PassageLosses(clean: clean, ablated: ablations.indices.map { a in
                Self.values(n, seed: UInt64(p * 7 + a)).map { Double(abs($0)) * 3 }
            }))
        }
        var a = DeltaNLLAccumulator(ablations: ablations)
        XCTAssertThrowsError(try a.merge(DeltaNLLAccumulator(ablations: [ablations[0]])))
    }

    /// Merging two multi-passage partials regroups the sums, so it agrees with one pass to
    /// rounding (the pipeline folds per-passage partials in order instead, which is exact).
    func testMergingGroupsAgreesToRounding() throws {
        var whole = SinkAccumulator(layers: Self.layers, heads: Self.heads)
        var left = whole, right = whole
        for p in 0..<9 {
            try whole.add(Self.recording(UInt64(p)))
            if p % 2 == 0 { try left.add(Self.recording(UInt64(p))) } else { try right.add(Self.recording(UInt64(p))) }
        }
        try left.merge(right)
        for (a, b) in zip(whole.summary.layers, left.summary.layers) {
            for (x, y) in zip(a.attentionHeads.flatMap(\.values) + a.ssmHeads.flatMap(\.values),
                              b.attentionHeads.flatMap(\.values) + b.ssmHeads.flatMap(\.values)) {
                if x.isNaN { XCTAssertTrue(y.isNaN); continue }
                XCTAssertEqual(x, y, accuracy: 1e-15 * max(1, abs(x)))
            }
        }
    }

    func testCodecKeepsBitPatternsAndRefusesWrongTags() throws {
        var encoder = PartialStateEncoder()
        let specials: [Double] = [.nan, -.nan, -0.0, .infinity, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 0.1]
        encoder.tag("x", version: 2)
        encoder.doubles(specials)
        encoder.integers([0, -1, Int.max, Int.min, 1 << 40])
        encoder.string("μ-tokens")
        var decoder = PartialStateDecoder(encoder.bytes)
        XCTAssertThrowsError(try PartialStateDecoder(encoder.bytes).withTag("x", 1))
        try decoder.expectTag("x", version: 2)
        XCTAssertEqual(try decoder.doubles().map(\.bitPattern), specials.map(\.bitPattern))
        XCTAssertEqual(try decoder.integers(), [0, -1, Int.max, Int.min, 1 << 40])
        XCTAssertEqual(try decoder.string(), "μ-tokens")
        XCTAssertTrue(decoder.isAtEnd)
        // A count far beyond the bytes left is refused before anything is allocated.
        var huge = PartialStateEncoder()
        huge.integer(1 << 60)
        var hugeDecoder = PartialStateDecoder(huge.bytes)
        XCTAssertThrowsError(try hugeDecoder.doubles())
        XCTAssertThrowsError(try SinkAccumulator(encoded: EntropyAccumulator(layers: 1, heads: 1).encoded)) {
            XCTAssertEqual($0 as? PartialStateError, .wrongTag(expected: "SinkAccumulator v1", found: "EntropyAccumulator v1"))
        }
    }
}

private extension PartialStateDecoder {
    func withTag(_ name: String, _ version: Int) throws {
        var copy = self
        try copy.expectTag(name, version: version)
    }
}
