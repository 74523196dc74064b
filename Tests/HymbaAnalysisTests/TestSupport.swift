import Foundation
import HymbaKit
@testable import HymbaAnalysis

/// Paths and small builders shared by the analysis tests.
enum TestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let parity = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/parity")
    static let tinyFixture = parity.appendingPathComponent("tiny-bf16")
    static let bundledModel = repositoryRoot.appendingPathComponent("models/hymba-tiny")

    /// A recording built from per-layer values of some hook points.
    static func recording(_ values: [(HookPoint, Int, [Int], [Float])], tokens: Int, meta: Int) -> PassageRecording {
        PassageRecording(tensors: values.map { point, layer, shape, floats in
            (point.key(layer: layer), Tensor(shape: shape, floats: floats))
        }, tokenCount: tokens, metaCount: meta)
    }
}
