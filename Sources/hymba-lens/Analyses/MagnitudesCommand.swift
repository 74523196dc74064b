import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit

struct Magnitudes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "magnitudes",
        abstract: "How large the attention and SSM branch outputs are before they are averaged (paper Fig. 12).",
        discussion: """
        Per layer: the RMS over channels of attn_out and ssm_out (before the pre-average norms), \
        mean over each passage's real-token rows, then over passages (branch_rms); the RMS after \
        the norms; and the mean |weight| of the two pre-average RMSNorms (pre_avg_layernorm1 for \
        attention, 2 for SSM) — the paper's β, which rescales each branch before the average.

        Writes to --out: magnitudes.png/.svg, magnitudes.json, magnitudes.csv (layer, kind, \
        attention_rms, ssm_rms, ssm_to_attention_rms, attention_normalized_rms, \
        ssm_normalized_rms, attention_norm_mean_abs_weight, ssm_norm_mean_abs_weight).

        Example:
          hymba-lens magnitudes --prompts analyses/domains/article.txt \\
              --out out/magnitudes
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder with a tokenizer (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var corpus: CorpusOptions
    @OptionGroup var output: AnalysisOutputOptions

    func run() throws {
        let modelPath = DisplayPath.relative(try model ?? ModelLoading.defaultModelPath())
        let destination = try output.checkedDestination()
        let checkpoint = try Checkpoint(path: modelPath)
        let tokenizer = try Corpus.tokenizer(for: checkpoint)
        let prompts = try Corpus.load(name: "prompts", path: corpus.prompts, tokenizer: tokenizer, config: checkpoint.config,
                                      maxPassages: corpus.limits.maxPassages, maxTokens: corpus.limits.maxTokens)
        let model = try ModelLoading.load(checkpoint, quiet: output.quiet)

        var magnitudes = BranchMagnitudeAccumulator(layers: model.config.hiddenLayers)
        try CorpusRunner.record(model: model, points: BranchMagnitudeAccumulator.requiredPoints, corpora: [prompts],
                                label: "magnitudes", quiet: output.quiet) { _, recording in
            try magnitudes.add(recording)
        }

        let staging = try output.staging(destination)
        let writer = ArtifactWriter(staging: staging, dpi: output.dpi)
        _ = try MagnitudeArtifacts.write(magnitudes.summary(weights: model.weights), passages: magnitudes.passages,
                                         tokens: prompts.tokenCount, modelPath: modelPath, config: model.config, writer: writer)
        try staging.commit()
        if !output.quiet { Progress.note("wrote \(output.out)/ (\(writer.figures.count) figures as PNG and SVG, \(writer.tables.count) tables)") }
    }
}
