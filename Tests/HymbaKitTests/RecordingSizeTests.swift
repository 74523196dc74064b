import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// The size a plan will take is known before the model runs, and equals what it records.
final class RecordingSizeTests: XCTestCase {
    func testEstimateEqualsTheRecordedBytes() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: FixtureFiles.parity.appendingPathComponent("tiny-bf16")))
        let ids = [1, 5, 9, 22, 40, 3, 77]
        for spec in ["all", "attn_probs@0,2:h1,ssm_attn@last:h0-1,logits", "*_mass,meta_attn_received,branch_rms", "hidden@1,input_ids"] {
            let plan = try RecordingPlan(spec, config: model.config, ssmAttentionChannels: spec == "all" ? [3, 17] : [])
            let recorder = model.makeRecorder(plan: plan)
            _ = try model.forward(ids: ids, recorder: recorder)
            let recorded = recorder.tensors.reduce(0) { total, entry in
                total + entry.tensor.shape.reduce(1, *) * (entry.name == "input_ids" ? 8 : 4)
            }
            XCTAssertEqual(RecordingSize.bytes(of: plan, config: model.config, tokens: ids.count), recorded, spec)
        }
    }

    func testAPlanBeyondFreeMemoryIsRefusedBeforeRunning() throws {
        let config = try HymbaConfig(contentsOf: FixtureFiles.required(FixtureFiles.hymba15BConfig))
        let plan = try RecordingPlan("all", config: config)
        let bytes = RecordingSize.bytes(of: plan, config: config, tokens: 2048)
        XCTAssertGreaterThan(bytes, 20 << 30, "two 25×2176² maps per layer over 32 layers")
        XCTAssertThrowsError(try RecordingSize.check(plan, config: config, tokens: 2048, available: 24 << 30)) {
            XCTAssertTrue("\($0)".contains("GiB"), "\($0)")
        }
        XCTAssertNoThrow(try RecordingSize.check(try RecordingPlan("*_mass", config: config), config: config, tokens: 2048, available: 1 << 30))
    }
}
