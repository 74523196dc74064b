import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaReport

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
    @OptionGroup var runOptions: CorpusRunOptions

    func run() throws {
        let command = CorpusCommand(command: "magnitudes", label: "magnitudes", model: model,
                                    domains: [DomainOption(name: "prompts", path: corpus.prompts)],
                                    limits: corpus.limits, output: output, run: runOptions)
        _ = try command.execute { run in [try MagnitudesAnalysis(settings: .init(), run: run)] }
    }
}
