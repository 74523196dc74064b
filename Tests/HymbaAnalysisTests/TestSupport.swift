import Foundation
import HymbaKit
import TestFixtures
@testable import HymbaAnalysis

/// Paths and small builders shared by the analysis tests.
enum TestSupport {
    static let tinyFixture = FixtureFiles.parity.appendingPathComponent("tiny-bf16")
    static let bundledModel = FixtureFiles.bundledModel

    /// A recording built from per-layer values of some hook points.
    static func recording(_ values: [(HookPoint, Int, [Int], [Float])], tokens: Int, meta: Int) -> PassageRecording {
        PassageRecording(tensors: values.map { point, layer, shape, floats in
            (point.key(layer: layer), Tensor(shape: shape, floats: floats))
        }, tokenCount: tokens, metaCount: meta)
    }
}
