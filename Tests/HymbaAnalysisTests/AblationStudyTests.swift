import Foundation
import HymbaKit
import XCTest
@testable import HymbaAnalysis

final class AblationStudyTests: XCTestCase {
    func testComponentsCoverBranchesThenHeadsPerLayer() throws {
        let config = try Checkpoint(directory: TestSupport.tinyFixture).config
        let components = AblationStudy.components(config: config)
        XCTAssertEqual(components.count, config.hiddenLayers * (2 + 2 * config.attentionHeads))
        XCTAssertEqual(Array(components.prefix(3)), [Ablation(layer: 0, .attentionBranch), Ablation(layer: 0, .ssmBranch),
                                                    Ablation(layer: 0, .attentionHead(0))])
        XCTAssertEqual(Set(components).count, components.count)
    }

    func testPooledDeltaAndStandardError() throws {
        var deltas = DeltaNLLAccumulator(ablations: [Ablation(layer: 0, .ssmBranch)])
        // Passage 1: 2 predictions, clean 1, ablated 2 (Δ = 1 each); passage 2: 3 predictions, Δ = 0.5... per token 0, 0, 1.5.
        try deltas.add(PassageLosses(clean: [1, 1], ablated: [[2, 2]]))
        try deltas.add(PassageLosses(clean: [1, 1, 1], ablated: [[1, 1, 2.5]]))
        try deltas.add(PassageLosses(clean: [], ablated: [[]]))       // a one-token passage predicts nothing
        let result = try XCTUnwrap(deltas.results.first)
        XCTAssertEqual(deltas.tokens, 5)
        XCTAssertEqual(deltas.passages, 2)
        XCTAssertEqual(deltas.cleanNLL, 1)
        XCTAssertEqual(result.delta, 3.5 / 5, accuracy: 1e-15, "pooled over tokens")
        XCTAssertEqual(result.ablatedNLL, 8.5 / 5, accuracy: 1e-15)
        // Per-passage means 1 and 0.5: sd = 0.3536, se = sd / √2 = 0.25.
        XCTAssertEqual(result.standardError, 0.25, accuracy: 1e-12)
        XCTAssertThrowsError(try deltas.add(PassageLosses(clean: [1], ablated: [])))
    }

    /// Losses from resumed runs equal those of full ablated runs, and an ablation that is
    /// harmful by construction raises the loss: on the model's own greedy continuation every
    /// target is the clean argmax, and zeroing layer 0's attention and SSM branches together
    /// leaves the first layer only its MLP.
    func testLossesMatchFullRunsAndHarmfulAblationRaisesLoss() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: TestSupport.tinyFixture))
        var ids = [1, 45, 77]
        for _ in 0..<30 {
            let logits = try model.forward(ids: ids)
            let last = logits.row(logits.rows - 1)
            ids.append(last.indices.max { last[$0] < last[$1] }!)
        }
        let ablations = [Ablation(layer: 0, .attentionBranch), Ablation(layer: 3, .ssmHead(1))]
        let losses = try AblationStudy.losses(model: model, ids: ids, ablations: ablations)
        for (ablation, ablated) in zip(ablations, losses.ablated) {
            let full = try model.forward(ids: ids, ablations: [ablation])
            let expected = NextTokenLoss.perToken(logits: full, ids: ids)
            for (a, b) in zip(ablated, expected) { XCTAssertEqual(a, b, accuracy: 1e-4, "\(ablation)") }
        }
        let clean = try model.forward(ids: ids)
        let both = try model.forward(ids: ids, ablations: [Ablation(layer: 0, .attentionBranch), Ablation(layer: 0, .ssmBranch)])
        XCTAssertGreaterThan(NextTokenLoss.mean(logits: both, ids: ids), NextTokenLoss.mean(logits: clean, ids: ids) + 0.1)

        var deltas = DeltaNLLAccumulator(ablations: ablations)
        try deltas.add(losses)
        XCTAssertEqual(deltas.cleanNLL, NextTokenLoss.mean(logits: clean, ids: ids), accuracy: 1e-9)
    }

    /// On the trained bundled model, removing layer 0's SSM branch costs real text a lot.
    func testTrainedModelLosesMostWithoutLayerZeroSSM() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: TestSupport.bundledModel))
        let tokenizer = try Tokenizer(directory: TestSupport.bundledModel)
        let ids = tokenizer.encode("The river flows north through the desert and into the sea, where it ends in a broad delta.")
        let ablations = [Ablation(layer: 0, .ssmBranch), Ablation(layer: 5, .attentionHead(2))]
        var deltas = DeltaNLLAccumulator(ablations: ablations)
        try deltas.add(try AblationStudy.losses(model: model, ids: ids, ablations: ablations))
        XCTAssertGreaterThan(deltas.results[0].delta, 0.2)
        XCTAssertGreaterThan(deltas.results[0].delta, abs(deltas.results[1].delta))
    }
}
