import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit

struct Sinks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sinks",
        abstract: "Where attention goes, per layer: meta tokens, BOS, self, other tokens (paper Fig. 7).",
        discussion: """
        Runs every passage of --prompts and averages attn_mass and ssm_mass — for each head, the \
        share of a real token's attention on the meta tokens, on the BOS, on itself and on all \
        other tokens (SSM heads: of the row-normalised |implicit attention|) — over the passage's \
        real-token rows, then over passages (each passage weighs the same), then over heads.

        --no-meta runs the same weights without their meta tokens (M = 0; masks and positions \
        adapt) to measure where the attention goes when there is nothing to absorb it: the \
        paper's "forced-to-attend" argument. The heatmap then shows the BOS share.

        Writes to --out: sinks.png/.svg (stacked bars per layer, attention and SSM heads side by \
        side), sinks-heads.png/.svg (layer × head map of the meta share), sinks.json \
        ({"layers":[{"layer":0,"attention":{"meta","bos","self","cross"},"ssm":{…}},…]} plus \
        per-head values), sinks.csv (one row per layer) and sinks-heads.csv (one row per head).

        Examples:
          hymba-lens sinks --prompts analyses/domains/article.txt --out out/sinks
          hymba-lens sinks models/hymba-tiny --prompts analyses/domains/code.txt \\
              --no-meta --out out/sinks-no-meta --json -
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder with a tokenizer (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var corpus: CorpusOptions

    @Flag(name: .customLong("no-meta"), help: "Run without the model's meta tokens (M = 0).")
    var noMeta = false

    @OptionGroup var output: AnalysisOutputOptions

    @Option(help: ArgumentHelp("Also write the JSON table here ('-' for stdout).", valueName: "file"))
    var json: String?

    func run() throws {
        let modelPath = DisplayPath.relative(try model ?? ModelLoading.defaultModelPath())
        let destination = try output.checkedDestination()
        let jsonURL = try json.flatMap { $0 == "-" ? nil : try OutputPath.check($0, extensions: ["json"]) }
        let checkpoint = try Checkpoint(path: modelPath)
        let tokenizer = try Corpus.tokenizer(for: checkpoint)
        let prompts = try Corpus.load(name: "prompts", path: corpus.prompts, tokenizer: tokenizer, config: checkpoint.config,
                                      maxPassages: corpus.limits.maxPassages, maxTokens: corpus.limits.maxTokens)
        var model = try ModelLoading.load(checkpoint, quiet: output.quiet)
        if noMeta { model = model.withoutMetaTokens() }

        var sinks = SinkAccumulator(layers: model.config.hiddenLayers, heads: model.config.attentionHeads)
        try CorpusRunner.record(model: model, points: SinkAccumulator.requiredPoints, corpora: [prompts],
                                label: "sinks", quiet: output.quiet) { _, recording in
            try sinks.add(recording)
        }

        let staging = try output.staging(destination)
        let writer = ArtifactWriter(staging: staging, dpi: output.dpi)
        let tree = try SinkArtifacts.write(sinks.summary, config: model.config, metaCount: model.config.memoryTokens,
                                           modelPath: modelPath, name: "sinks", writer: writer)
        try staging.commit()
        if json == "-" {
            FileHandle.standardOutput.write(tree.serialized())
        } else if let jsonURL {
            try AtomicFileWriter.write(tree.serialized(), to: jsonURL)
        }
        if !output.quiet { Progress.note("wrote \(output.out)/ (\(writer.figures.count) figures as PNG and SVG, \(writer.tables.count) tables)") }
    }
}
