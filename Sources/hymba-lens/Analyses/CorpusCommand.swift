import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaReport

/// What every corpus command does around its analyses: check the output folder, open the
/// model and prompt sets, run the passages through `CorpusRun` (journal, resume, shards),
/// write the outputs through `RunOutputs`, and say what was written.
struct CorpusCommand {
    let command: String
    let label: String
    let model: String?
    /// Named prompt sets (a single-set analysis uses one named "prompts").
    let domains: [DomainOption]
    let limits: CorpusLimits
    let output: AnalysisOutputOptions
    let run: CorpusRunOptions
    /// Checks on the model before anything is loaded (e.g. "needs meta tokens").
    var checkModel: (String, HymbaConfig) throws -> Void = { _, _ in }
    /// Checks of other outputs (e.g. `--json FILE`) before any work.
    var checkOutputs: () throws -> Void = {}

    /// Runs `analyses` (built for the run's description) and writes their outputs.
    ///
    /// - Parameter planNotes: lines the plan shows under the pass counts.
    func execute(analyses: (RunDescription) throws -> [any CorpusAnalysis],
                 planNotes: (RunDescription) -> [String] = { _ in [] }) throws -> RunOutputs.Written {
        let started = Date()
        let modelPath = DisplayPath.relative(try model ?? ModelLoading.defaultModelPath())
        let destination = try output.checkedDestination()
        try checkOutputs()
        let shard = try run.selection()
        let checkpoint = try Checkpoint(path: modelPath)
        try checkModel(modelPath, checkpoint.config)
        let tokenizer = try Corpus.tokenizer(for: checkpoint)
        let corpora = try domains.map {
            try Corpus.load(name: $0.name, path: $0.path, tokenizer: tokenizer, config: checkpoint.config,
                            maxPassages: limits.maxPassages, maxTokens: limits.maxTokens)
        }
        // Loaded once, by the passage loop or (when every passage came from a journal) the viewer.
        let loaded = LoadedModel { try ModelLoading.load(checkpoint, quiet: output.quiet) }
        let draft = CorpusRun.description(config: checkpoint.config, modelPath: modelPath, corpora: corpora)
        let arguments = CommandLine.arguments.dropFirst().joined(separator: " ")
        let request = CorpusRun.Request(
            command: command, commandLine: "hymba-lens " + arguments, label: label, analyses: try analyses(draft), corpora: corpora,
            checkpoint: checkpoint, modelPath: modelPath, maxPassages: limits.maxPassages, maxTokens: limits.maxTokens, shard: shard,
            folder: destination, resume: run.resume, restart: run.restart, quiet: output.quiet, planNotes: planNotes(draft),
            loadModel: { try loaded.model() })
        let result = try CorpusRun(request).execute()
        let viewer = command == "report" && shard == nil
            ? ReportViewer(corpus: corpora.first, tokenizer: tokenizer, modelName: URL(fileURLWithPath: modelPath).lastPathComponent,
                           model: { try loaded.model() })
            : nil
        let written = try RunOutputs.write(result, into: destination, force: output.force, dpi: output.dpi,
                                           arguments: arguments, started: started, viewer: viewer)
        if !output.quiet {
            if let shard {
                Progress.note("wrote \(output.out)/part.json: shard \(shard) of the \(command) run is complete; when every shard is, merge them: hymba-lens merge PART_1 … PART_\(shard.count) --out DIR")
            } else if written.isReport {
                Progress.note("wrote \(output.out)/index.html, summary.json and \(written.figures) figures in \(RunProgress.clock(Date().timeIntervalSince(started)))")
            } else {
                Progress.note("wrote \(output.out)/ (\(written.figures) figures as PNG and SVG, \(written.tables) tables)")
            }
        }
        return written
    }
}

/// A model loaded on first use and kept.
final class LoadedModel {
    private let load: () throws -> HymbaModel
    private var value: HymbaModel?
    init(_ load: @escaping () throws -> HymbaModel) { self.load = load }

    func model() throws -> HymbaModel {
        if let value { return value }
        let model = try load()
        value = model
        return model
    }
}
