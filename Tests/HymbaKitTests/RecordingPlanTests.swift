import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

final class RecordingPlanTests: XCTestCase {
    private var config: HymbaConfig!   // tiny-bf16: 4 layers, 4 heads

    override func setUpWithError() throws {
        config = try HymbaConfig(contentsOf: FixtureFiles.required(Fixtures.parity.appendingPathComponent("tiny-bf16/config.json")))
    }

    func testLayersHeadsAndGlobs() throws {
        let plan = try RecordingPlan("attn_probs@0,2:h1-2,h3,ssm_attn@last,*_mass,layers.1.hidden,logits", config: config)
        XCTAssertEqual(plan.points[.attnProbs], .init(layers: [0, 2], heads: [1, 2, 3]))
        XCTAssertEqual(plan.points[.ssmAttn], .init(layers: [3], heads: nil))
        XCTAssertEqual(plan.points[.attnMass], .init(layers: nil, heads: nil))
        XCTAssertEqual(plan.points[.ssmMass], .init(layers: nil, heads: nil))
        XCTAssertEqual(plan.points[.hidden], .init(layers: [1], heads: nil))
        XCTAssertTrue(plan.wants(.logits))
        XCTAssertFalse(plan.wants(.inputIDs))
        XCTAssertFalse(plan.wants(.attnProbs, layer: 1))
        XCTAssertEqual(plan.heads(.attnProbs, layer: 2, headCount: 4), [1, 2, 3])
        XCTAssertEqual(plan.heads(.ssmAttn, layer: 3, headCount: 4), [0, 1, 2, 3])
        XCTAssertNil(plan.points[.attnOut])
    }

    func testAllRecordsEveryPointButChannelsUnlessGiven() throws {
        let plan = try RecordingPlan("all", config: config)
        XCTAssertEqual(Set(plan.points.keys), Set(HookPoint.allCases).subtracting([.ssmAttnChannels]))
        XCTAssertTrue(plan.wants(.logits) && plan.wants(.inputIDs))
        let withChannels = try RecordingPlan("all", config: config, ssmAttentionChannels: [3, 17])
        XCTAssertTrue(withChannels.wants(.ssmAttnChannels, layer: 2))
    }

    func testRepeatedItemsMerge() throws {
        let plan = try RecordingPlan("hidden@1,hidden@3", config: config)
        XCTAssertEqual(plan.points[.hidden]?.layers, [1, 3])
        let widened = try RecordingPlan("hidden@1,hidden", config: config)
        XCTAssertNil(widened.points[.hidden]?.layers)
    }

    /// Heads belong to the layers of their own item, not to every layer of the point.
    func testHeadsAreChosenPerLayer() throws {
        let plan = try RecordingPlan("attn_probs@0:h1,attn_probs@3:h2,ssm_attn@1:h0,ssm_attn@1", config: config)
        XCTAssertEqual(plan.heads(.attnProbs, layer: 0, headCount: 4), [1])
        XCTAssertEqual(plan.heads(.attnProbs, layer: 3, headCount: 4), [2])
        XCTAssertNil(plan.heads(.attnProbs, layer: 1, headCount: 4))
        XCTAssertEqual(plan.heads(.ssmAttn, layer: 1, headCount: 4), [0, 1, 2, 3], "all heads absorb h0")
        XCTAssertEqual(plan.summary["attn_probs"], "layers 0:h1; layers 3:h2")
        let mixed = try RecordingPlan("attn_probs:h1,attn_probs@2:h3", config: config)
        XCTAssertEqual(mixed.heads(.attnProbs, layer: 0, headCount: 4), [1])
        XCTAssertEqual(mixed.heads(.attnProbs, layer: 2, headCount: 4), [1, 3])
        XCTAssertEqual(mixed.summary["attn_probs"], "layers all:h1; layers 2:h1,h3")
    }

    /// Inside `all` and globs, whole-run keys are recorded whole and heads go to the maps only.
    func testExpansionsTakeLayersAndHeads() throws {
        let plan = try RecordingPlan("all@1:h2", config: config)
        XCTAssertTrue(plan.wants(.logits) && plan.wants(.inputIDs))
        XCTAssertEqual(plan.points[.hidden]?.layers, [1])
        XCTAssertEqual(plan.heads(.attnProbs, layer: 1, headCount: 4), [2])
        XCTAssertEqual(plan.heads(.attnMass, layer: 1, headCount: 4), [0, 1, 2, 3])
        XCTAssertNil(plan.points[.ssmAttnChannels], "channels need --ssm-attn-channels")
        let glob = try RecordingPlan("ssm_*:h0", config: config)
        XCTAssertEqual(glob.heads(.ssmAttn, layer: 0, headCount: 4), [0])
        XCTAssertNotNil(glob.points[.ssmStateNorm])
        XCTAssertEqual(try RecordingPlan("hidden@all,1", config: config).points[.hidden]?.layers, nil)
        XCTAssertEqual(try RecordingPlan(" hidden @ 1 , 2 , attn_probs@0: h1 ", config: config).points[.hidden]?.layers, [1, 2])
    }

    func testErrorsAreSpecific() {
        func expect(_ spec: String, _ error: ProbeError, channels: [Int] = []) {
            XCTAssertThrowsError(try RecordingPlan(spec, config: config, ssmAttentionChannels: channels), spec) {
                XCTAssertEqual($0 as? ProbeError, error, spec)
            }
        }
        expect("attn_prob", .unknownKey("attn_prob", known: RecordingPlan.knownNames))
        expect("attn_probs@4", .layerOutOfRange(item: "attn_probs@4", layer: 4, layers: 4))
        expect("attn_probs@0:h9", .headOutOfRange(item: "attn_probs@0:h9", head: 9, heads: 4))
        expect("hidden:h1", .badSelection(item: "hidden:h1", reason: "heads can be chosen only for attn_probs and ssm_attn"))
        expect("logits@2", .badSelection(item: "logits@2", reason: "'logits' is not per layer"))
        expect("hidden@2-1", .badSelection(item: "hidden@2-1", reason: "'2-1' is not a range like 2-5"))
        expect("", .emptyPlan)
        expect("ssm_attn", .channelOutOfRange(channel: 128, channels: 128), channels: [128])
        expect("3", .badSelection(item: "3", reason: "a layer number needs a key before it"))
        expect("hidden@", .badSelection(item: "hidden@", reason: "an empty layer or head list"))
        expect("attn_probs@0:", .badSelection(item: "attn_probs@0:", reason: "heads are written h<number> or h<from>-<to>, e.g. h0-3"))
        expect("attn_probs@0:h", .badSelection(item: "attn_probs@0:h", reason: "heads are written h<number> or h<from>-<to>, e.g. h0-3"))
        expect("*_mass:h0", .badSelection(item: "*_mass:h0", reason: "heads can be chosen only for attn_probs and ssm_attn"))
        expect("hidden,1", .badSelection(item: "hidden,1", reason: "'1' continues a layer list, but the item before it has none (write name@1)"))
        expect("layers.2.ssm_x@3", .badSelection(item: "layers.2.ssm_x@3", reason: "the layer is given twice (as layers.2. and after '@')"))
        expect("ssm_attn_channels", .badSelection(item: "ssm_attn_channels", reason: "ssm_attn_channels needs the channels too (trace --ssm-attn-channels c1,c2)"))
        expect("ssm_attn", .badSelection(item: "5,5", reason: "SSM channel 5 is listed twice"), channels: [5, 5])
    }

    /// Fuzzer finding: a huge range was expanded into an array before its bounds were checked
    /// (`hidden@1-999999999999` tried to allocate 8 TB). Every bound is checked first now.
    func testHugeRangesAreRefusedBeforeExpansion() {
        func expect(_ spec: String, _ error: ProbeError) {
            XCTAssertThrowsError(try RecordingPlan(spec, config: config), spec) { XCTAssertEqual($0 as? ProbeError, error, spec) }
        }
        expect("hidden@1-999999999999", .layerOutOfRange(item: "hidden@1-999999999999", layer: 999999999999, layers: 4))
        expect("hidden@0,1-9223372036854775807", .layerOutOfRange(item: "hidden@0,1-9223372036854775807", layer: 9223372036854775807, layers: 4))
        expect("attn_probs@0:h0-99999999999", .headOutOfRange(item: "attn_probs@0:h0-99999999999", head: 99999999999, heads: 4))
        expect("attn_probs@0,h2-88888888888", .headOutOfRange(item: "attn_probs@0,h2-88888888888", head: 88888888888, heads: 4))
        expect("hidden@-5", .badSelection(item: "hidden@-5", reason: "'-5' is not a range like 2-5"))
    }

    func testGlob() {
        XCTAssertTrue(Glob("ssm_*").matches("ssm_state_norm"))
        XCTAssertTrue(Glob("*_mass").matches("attn_mass"))
        XCTAssertFalse(Glob("*_mass").matches("meta_attn_received"))
        XCTAssertTrue(Glob("ssm_?").matches("ssm_B"))
    }
}
