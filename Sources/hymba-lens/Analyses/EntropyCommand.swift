import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit

struct Entropy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entropy",
        abstract: "How spread out attention and SSM rows are, with and without meta tokens (paper Fig. 15).",
        discussion: """
        Per layer and head, the mean over real-token rows and passages of the row entropy \
        −Σ_u p[t,u] ln p[t,u] (nats) of the attention map (attn_entropy) and of the SSM head's \
        row-normalised |implicit attention| (ssm_entropy), computed on the fly; per layer the \
        mean over heads. Every passage runs twice: with the model's meta tokens and without \
        them (M = 0, masks adapt). A row over k visible keys lies between 0 (one key) and ln k \
        (uniform); meta tokens add keys, so compare with that in mind.

        Writes to --out: entropy.png/.svg (per layer), entropy-heads.png/.svg (with − without, \
        per head), entropy.json, entropy.csv (layer, kind, attention, ssm, \
        attention_without_meta, ssm_without_meta), entropy-heads.csv.

        Example:
          hymba-lens entropy --prompts analyses/domains/article.txt --out out/entropy
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder with a tokenizer (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var corpus: CorpusOptions
    @OptionGroup var output: AnalysisOutputOptions

    func run() throws {
        let modelPath = DisplayPath.relative(try model ?? ModelLoading.defaultModelPath())
        let destination = try output.checkedDestination()
        let checkpoint = try Checkpoint(path: modelPath)
        guard checkpoint.config.memoryTokens > 0 else {
            throw CLIError("\(modelPath) has no meta tokens: with and without them would be the same run")
        }
        let tokenizer = try Corpus.tokenizer(for: checkpoint)
        let prompts = try Corpus.load(name: "prompts", path: corpus.prompts, tokenizer: tokenizer, config: checkpoint.config,
                                      maxPassages: corpus.limits.maxPassages, maxTokens: corpus.limits.maxTokens)
        let model = try ModelLoading.load(checkpoint, quiet: output.quiet)
        let config = model.config

        var results: [[LayerEntropy]] = []
        for (variant, label) in [(model, "entropy (with meta tokens)"), (model.withoutMetaTokens(), "entropy (without meta tokens)")] {
            var entropy = EntropyAccumulator(layers: config.hiddenLayers, heads: config.attentionHeads)
            try CorpusRunner.record(model: variant, points: EntropyAccumulator.requiredPoints, corpora: [prompts],
                                    label: label, quiet: output.quiet) { _, recording in
                try entropy.add(recording)
            }
            results.append(entropy.summary)
        }

        let staging = try output.staging(destination)
        let writer = ArtifactWriter(staging: staging, dpi: output.dpi)
        _ = try EntropyArtifacts.write(withMeta: results[0], withoutMeta: results[1], passages: prompts.passages.count,
                                       tokens: prompts.tokenCount, modelPath: modelPath, config: config, writer: writer)
        try staging.commit()
        if !output.quiet { Progress.note("wrote \(output.out)/ (\(writer.figures.count) figures as PNG and SVG, \(writer.tables.count) tables)") }
    }
}
