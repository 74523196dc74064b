import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaReport

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
    @OptionGroup var runOptions: CorpusRunOptions

    @Option(help: ArgumentHelp("Also write the JSON table here ('-' for stdout).", valueName: "file"))
    var json: String?

    func run() throws {
        var jsonURL: URL?
        var command = CorpusCommand(command: "sinks", label: "sinks", model: model,
                                    domains: [DomainOption(name: "prompts", path: corpus.prompts)],
                                    limits: corpus.limits, output: output, run: runOptions)
        command.checkOutputs = { jsonURL = try json.flatMap { $0 == "-" ? nil : try OutputPath.check($0, extensions: ["json"]) } }
        let written = try command.execute { run in
            [try SinksAnalysis(settings: .init(withMeta: !noMeta, withoutMeta: noMeta), run: run)]
        }
        guard let tree = written.table else { return }
        if json == "-" {
            FileHandle.standardOutput.write(tree.serialized())
        } else if let jsonURL {
            try AtomicFileWriter.write(tree.serialized(), to: jsonURL)
        }
    }
}
