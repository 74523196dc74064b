import Foundation
import HymbaAnalysis
import HymbaKit

/// Runs every passage of some prompt sets through a model with one recording plan and hands each
/// passage's recording to the caller, showing progress on stderr.
enum CorpusRunner {
    /// - Parameter each: called with the corpus index and the passage's recording.
    static func record(model: HymbaModel, points: [HookPoint], layers: String = "", corpora: [Corpus],
                       label: String, quiet: Bool,
                       each: (Int, PassageRecording) throws -> Void) throws {
        let plan = try plan(points, layers: layers, config: model.config)
        let progress = PassageProgress(label: label, totalPassages: corpora.reduce(0) { $0 + $1.passages.count },
                                       totalTokens: corpora.reduce(0) { $0 + $1.tokenCount }, quiet: quiet)
        for (index, corpus) in corpora.enumerated() {
            for ids in corpus.passages {
                let recorder = model.makeRecorder(plan: plan)
                _ = try model.forward(ids: ids, recorder: recorder)
                try each(index, PassageRecording(recorder: recorder, tokenCount: ids.count))
                progress.passageDone(tokens: ids.count)
            }
        }
        progress.finish()
    }

    /// A plan recording `points` (deduplicated) at `layers` ("" = all, else e.g. "@5").
    static func plan(_ points: [HookPoint], layers: String = "", config: HymbaConfig) throws -> RecordingPlan {
        var seen = Set<HookPoint>()
        let names = points.filter { seen.insert($0).inserted }.map { $0.rawValue + layers }
        return try RecordingPlan(names.joined(separator: ","), config: config)
    }
}
