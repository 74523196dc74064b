import ArgumentParser
import Foundation
import HymbaKit
import HymbaViewer

struct View: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an interactive HTML viewer of one prompt: attention, SSM implicit attention, meta share, logit lens.",
        discussion: """
        Runs the prompt once, recording attn_probs, ssm_attn and hidden at the \
        chosen layers, and writes ONE self-contained HTML file (style, data and \
        script inline: no network, no other file). Open it in any browser.

        In the page: pick a layer and a head (keys j/k, h/l); hover a token to make \
        it the query and see its row over the context, as shaded text and as the \
        heatmap's framed row (click pins the query, ← → move it, Esc unpins); switch \
        between the attention map, the SSM head's implicit attention and their \
        difference (keys 1 2 3); the meta tokens are one chip and one column (their \
        sum) until shown one by one (key m); the row's meta-token share is printed. \
        The Logit lens tab shows each layer's most likely next token at every \
        position, shaded by its probability.

        The SSM map is |α[t, u]| / Σ_u |α[t, u]| (each row sums to 1, like \
        attention; hover shows the signed α). Weights are stored as 16-bit integers \
        (within 1.6e-5 of the recorded float32 values) and shown with 4 decimals.

        Size: the page embeds layers × H × 2 × (n·M + n(n+1)/2) weights for n \
        prompt tokens and M meta tokens, about 2.7 bytes each. Above \
        --max-weights (default 8388608, about 22 MB: every layer of the bundled \
        model up to ~550 tokens) it refuses and says what to cut.

        Examples:
          hymba-lens view --text "The cat sat on the mat." --out view.html
          hymba-lens view models/hymba-tiny --text-file passage.txt --layers 0,3,5 \\
              --out passage.html
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var prompt: PromptOptions

    @Option(help: ArgumentHelp("Layers to show: all, last, numbers and ranges, e.g. 0,2-4.", valueName: "list"))
    var layers: String = "all"

    @Option(help: ArgumentHelp("Output page (.html).", valueName: "file"))
    var out: String

    @Option(name: .customLong("max-weights"), help: ArgumentHelp("Largest number of weights to embed (see above).", valueName: "n"))
    var maxWeights: Int = ViewerSize.defaultMaximumWeights

    @Option(help: ArgumentHelp("Page title instead of the model name and the prompt's first words.", valueName: "text"))
    var title: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard maxWeights > 0 else { throw ValidationError("--max-weights must be a positive number") }
    }

    func run() throws {
        // Everything cheap is checked before the weights are widened.
        let outURL = try OutputPath.check(out, extensions: ["html", "htm"])
        let checkpoint = try Checkpoint(path: model ?? ModelLoading.defaultModelPath())
        let config = checkpoint.config
        let shown = try IndexList.parse(layers, option: "--layers", noun: "layer", count: config.hiddenLayers)
        let (ids, strings) = try prompt.resolve(modelDirectory: checkpoint.directory)
        try InteractiveView.check(config: config, tokens: ids.count, layers: shown, maximumWeights: maxWeights)
        let tokenizer = strings == nil ? nil : try Tokenizer(directory: checkpoint.directory)

        let model = try ModelLoading.load(checkpoint, quiet: quiet)
        if !quiet { Progress.note("running \(ids.count) tokens (+\(config.memoryTokens) meta), recording attn_probs, ssm_attn and hidden at \(shown.count) layers") }
        let bytes = try InteractiveView.write(model: model, ids: ids, tokenizer: tokenizer, layers: shown,
                                              modelName: checkpoint.directory.standardizedFileURL.lastPathComponent,
                                              title: title, maximumWeights: maxWeights, to: outURL)
        let size = bytes < 1_000_000 ? "\(max(1, bytes / 1000)) kB" : String(format: "%.1f MB", Double(bytes) / 1e6)
        print("wrote \(out) (\(size): \(ids.count) token\(ids.count == 1 ? "" : "s"), \(shown.count) layer\(shown.count == 1 ? "" : "s") × \(config.attentionHeads) heads)")
    }
}
