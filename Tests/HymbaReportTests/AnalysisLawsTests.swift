import Foundation
import HymbaAnalysis
import HymbaKit
import TestFixtures
import XCTest
@testable import HymbaReport

/// The laws `CorpusRun` and `merge` rely on, for every analysis in the registry, on real passes
/// of the bundled model: the journal's one-passage contributions folded in passage order give
/// the same state, byte for byte, as adding the passages directly; a state survives encoding;
/// every analysis declares what it reads (a passage run with only its needs feeds it).
final class AnalysisLawsTests: XCTestCase {
    static let passages: [[Int]] = [[1, 450, 4996, 338, 263, 2090, 29889], [1, 13, 29871, 3525, 338, 1781], [1, 910, 338, 263, 1243],
                                    [1, 322, 372, 471, 263]]

    typealias Passes = (run: RunDescription, analyses: [any CorpusAnalysis], outcomes: [PassageOutcome])
    nonisolated(unsafe) private static var computed: Passes?

    /// The passes of every passage, computed once for the tests of this class.
    func outcomes() throws -> Passes {
        if let computed = Self.computed { return computed }
        let passes = try computeOutcomes()
        Self.computed = passes
        return passes
    }

    func computeOutcomes() throws -> Passes {
        let checkpoint = try Checkpoint(directory: FixtureFiles.bundledModel)
        let model = try HymbaModel(checkpoint: checkpoint)
        let corpora = [Corpus(name: "a", path: "a.txt", passages: Array(Self.passages.prefix(2))),
                       Corpus(name: "b", path: "b.txt", passages: Array(Self.passages.suffix(2)))]
        let draft = CorpusRun.description(config: checkpoint.config, modelPath: "models/hymba-tiny", corpora: corpora)
        let run = RunDescription(config: draft.config, modelPath: draft.modelPath, domains: draft.domains,
                                 normWeights: NormWeightMeans(weights: model.weights))
        let analyses = try AnalysisRegistry.report(.init(branchAblationPassages: 1, headAblationPassages: nil, permutations: 20, seed: 3,
                                                         rule: try HeadRoleRule()), run: run)
        var outcomes: [PassageOutcome] = []
        for passage in run.passages {
            let ids = corpora[passage.domain].passages[passage.index]
            let needs = CorpusRun.needs(passage, analyses: analyses, run: run)
            func record(_ points: [HookPoint: PassageNeeds.Layers], _ model: HymbaModel) throws -> PassageRecording? {
                guard let plan = try PassageNeeds.plan(points, config: model.config) else { return nil }
                let recorder = model.makeRecorder(plan: plan)
                _ = try model.forward(ids: ids, recorder: recorder)
                return PassageRecording(recorder: recorder, tokenCount: ids.count)
            }
            let ablation = try AblationRun(model: model, ids: ids)
            var losses: [Ablation: [Double]] = [:]
            for a in needs.ablations { losses[a] = try ablation.loss(a) }
            outcomes.append(PassageOutcome(passage: passage, withMeta: try record(needs.withMeta, model),
                                           withoutMeta: try record(needs.withoutMeta, model.withoutMetaTokens()),
                                           cleanLoss: ablation.cleanLoss, ablatedLosses: losses))
        }
        return (run, analyses, outcomes)
    }

    func encoded(_ analysis: any CorpusAnalysis) -> [UInt8] {
        var encoder = PartialStateEncoder()
        analysis.encode(to: &encoder)
        return encoder.bytes
    }

    func testFoldedContributionsEqualAddingEveryPassage() throws {
        let (run, analyses, outcomes) = try outcomes()
        XCTAssertEqual(analyses.map(\.analysisName), ["sinks", "meta-domains", "roles", "magnitudes", "entropy"])
        for template in analyses {
            var added = template, folded = template
            for outcome in outcomes {
                try added.add(outcome)
                try folded.absorb(try template.contribution(of: outcome, run: run), run: run)
            }
            XCTAssertEqual(encoded(folded), encoded(added), template.analysisName)
            XCTAssertNotEqual(encoded(added), encoded(template), "\(template.analysisName) took the passages in")

            // Encoding round-trips, and a cut state is refused.
            var copy = template
            try copy.absorb(encoded(added), run: run)
            XCTAssertEqual(encoded(copy), encoded(added), template.analysisName)
            XCTAssertThrowsError(try copy.absorb(Array(encoded(added).dropLast(3)), run: run), template.analysisName)
        }
    }

    /// Branch ablations on the first passage of each domain, heads on all: the roles analysis asks
    /// for exactly that, and the report's union runs each ablation once.
    func testNeedsFollowTheSettings() throws {
        let (run, analyses, _) = try outcomes()
        let roles = try XCTUnwrap(analyses.first { $0.analysisName == "roles" })
        let all = AblationStudy.components(config: run.config)
        for passage in run.passages {
            let needs = roles.needs(passage, run: run)
            let branches = needs.ablations.filter { $0.target == .attentionBranch || $0.target == .ssmBranch }
            XCTAssertEqual(branches.count, passage.index < 1 ? 2 * run.config.hiddenLayers : 0, "\(passage)")
            XCTAssertEqual(needs.ablations.count - branches.count, 2 * run.config.hiddenLayers * run.config.attentionHeads)
            XCTAssertEqual(Set(CorpusRun.needs(passage, analyses: analyses, run: run).ablations), Set(needs.ablations))
        }
        XCTAssertEqual(Set(all).count, all.count)
    }
}
