import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaReport

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
    @OptionGroup var runOptions: CorpusRunOptions

    func run() throws {
        var command = CorpusCommand(command: "entropy", label: "entropy (with and without meta tokens)", model: model,
                                    domains: [DomainOption(name: "prompts", path: corpus.prompts)],
                                    limits: corpus.limits, output: output, run: runOptions)
        command.checkModel = { path, config in
            guard config.memoryTokens > 0 else { throw CLIError("\(path) has no meta tokens: with and without them would be the same run") }
        }
        _ = try command.execute { run in [try EntropyAnalysis(settings: .init(), run: run)] }
    }
}
