import Foundation
import XCTest
@testable import HymbaKit

/// The forward pass against the goldens recorded from the official reference, every key of
/// every prompt of every fixture (bf16 and f32 weights).
final class ParityTests: XCTestCase {
    func testEveryGoldenKeyOfEveryFixtureMatches() throws {
        let fixtures = Fixtures.parityFixtures
        XCTAssertGreaterThanOrEqual(fixtures.count, 2, "expected tiny-bf16 and tiny-f32 under \(Fixtures.parity.path)")
        var comparedKeys = 0
        for fixture in fixtures {
            let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
            for prompt in try Fixtures.prompts(of: fixture) {
                let golden = try SafeTensorsFile(path: prompt.file.path)
                let recorder = model.makeRecorder(plan: try RecordingPlan("all", config: model.config))
                _ = try model.forward(ids: prompt.ids, recorder: recorder)
                let errors = try Parity.compare(recording: recorder.tensors, golden: golden)
                for (key, error) in errors.sorted(by: { $0.key < $1.key }) {
                    XCTAssertLessThanOrEqual(error, Parity.relativeTolerance,
                                             "\(fixture.lastPathComponent) \(prompt.file.lastPathComponent) \(key)")
                }
                comparedKeys += errors.count
                let worst = errors.max { $0.value < $1.value }!
                print("parity \(fixture.lastPathComponent)/\(prompt.file.lastPathComponent): \(errors.count) keys, worst \(worst.key) = \(worst.value)")
            }
        }
        XCTAssertGreaterThan(comparedKeys, 100)
    }

    /// Probe-free runs compute only the real rows and take the meta rows from the cached
    /// meta-prefix state (`CachedState`); their logits meet the same criterion and agree with the full T-row path.
    func testRealRowsOnlyPathMatchesGoldensAndFullPath() throws {
        for fixture in Fixtures.parityFixtures {
            let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
            for prompt in try Fixtures.prompts(of: fixture) {
                let golden = try SafeTensorsFile(path: prompt.file.path)
                let fast = try model.forward(ids: prompt.ids)
                XCTAssertLessThanOrEqual(Parity.scaledError(fast.storage, try golden.floats("logits")), Parity.relativeTolerance)
                let recorder = model.makeRecorder(plan: try RecordingPlan("logits", config: model.config))
                let full = try model.forward(ids: prompt.ids, recorder: recorder)
                XCTAssertLessThanOrEqual(Parity.scaledError(fast.storage, full.storage), 1e-5,
                                         "\(fixture.lastPathComponent): prefix path vs full path")
            }
        }
    }

    /// A recorded run computes only the real rows and takes the meta rows' part of every per-row
    /// point and map from the plan's cached `MetaRecording`: every key equals the full T-row run's.
    func testRecordingsWithCachedMetaRowsEqualTheFullPath() throws {
        for fixture in Fixtures.parityFixtures {
            let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
            let plan = try RecordingPlan("all", config: model.config, ssmAttentionChannels: [0, 7, model.config.innerSize - 1])
            for prompt in try Fixtures.prompts(of: fixture) {
                let cached = model.makeRecorder(plan: plan), full = model.makeRecorder(plan: plan)
                for _ in 0..<2 {      // the second run reuses the cached meta recording
                    _ = try model.forward(ids: prompt.ids, recorder: cached)
                }
                _ = try model.forward(ids: prompt.ids, recorder: full, ablations: [], logitRows: .all, progress: nil, metaRows: .computed)
                let reference = Dictionary(uniqueKeysWithValues: full.tensors.map { ($0.name, $0.tensor) })
                XCTAssertEqual(cached.tensors.map(\.name), full.tensors.map(\.name))
                for (name, tensor) in cached.tensors {
                    let expected = try XCTUnwrap(reference[name])
                    XCTAssertEqual(tensor.shape, expected.shape, name)
                    guard tensor.shape == expected.shape else { continue }
                    XCTAssertLessThanOrEqual(Parity.scaledError(tensor.floats, expected.floats), 1e-5,
                                             "\(fixture.lastPathComponent) \(name)")
                }
            }
        }
    }

    /// The criterion is sharp enough to catch a one-weight perturbation …
    func testPerturbingOneWeightBreaksParity() throws {
        let fixture = Fixtures.parity.appendingPathComponent("tiny-bf16")
        let checkpoint = try Checkpoint(directory: fixture)
        var weights = try HymbaWeights(checkpoint: checkpoint)
        weights.layers[1].outProj.storage[7] += 0.05
        let model = HymbaModel(config: checkpoint.config, weights: weights)
        let prompt = try Fixtures.prompts(of: fixture)[0]
        let worst = try worstLogitError(model, prompt)
        XCTAssertGreaterThan(worst, Parity.relativeTolerance)
    }

    /// … and the RMSNorm eps 1e-5 bug the fixture README uses as its yardstick.
    func testWrongNormEpsilonBreaksParity() throws {
        for name in ["tiny-bf16", "tiny-f32"] {
            let fixture = Fixtures.parity.appendingPathComponent(name)
            let checkpoint = try Checkpoint(directory: fixture)
            var config = checkpoint.config
            config.rmsNormEps = 1e-5
            let model = HymbaModel(config: config, weights: try HymbaWeights(checkpoint: checkpoint))
            let worst = try worstError(model, try Fixtures.prompts(of: fixture)[0])
            XCTAssertGreaterThan(worst, Parity.relativeTolerance, name)
        }
    }

    private func worstLogitError(_ model: HymbaModel, _ prompt: Fixtures.Prompt) throws -> Float {
        let golden = try SafeTensorsFile(path: prompt.file.path)
        let logits = try model.forward(ids: prompt.ids)
        return Parity.scaledError(logits.storage, try golden.floats("logits"))
    }

    private func worstError(_ model: HymbaModel, _ prompt: Fixtures.Prompt) throws -> Float {
        let golden = try SafeTensorsFile(path: prompt.file.path)
        let recorder = model.makeRecorder(plan: try RecordingPlan("logits,hidden", config: model.config))
        _ = try model.forward(ids: prompt.ids, recorder: recorder)
        let recorded = Dictionary(uniqueKeysWithValues: recorder.tensors.map { ($0.name, $0.tensor) })
        return try recorded.map { Parity.scaledError($0.value.floats, try golden.floats($0.key)) }.max()!
    }
}
