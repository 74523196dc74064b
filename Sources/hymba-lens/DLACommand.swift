import ArgumentParser
import Foundation
import HymbaKit
import HymbaPlot

struct DLA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dla",
        abstract: "Direct logit attribution: what each attention head, SSM head and MLP writes towards the target token.",
        discussion: """
        The logit of token y at row t is linear in the residual stream once the final norm's \
        RMS r_t is held at its value: logit[t, y] = (g ⊙ x_t / r_t) · U[y]. The residual x_t \
        is the embedding plus what every layer wrote (Hymba has no biases), so the logit \
        splits exactly:

          logit[t, y] = embed + Σ_layers ( Σ_h attn_dla[h] + Σ_h ssm_dla[h] + mlp_dla )
          attn_dla[h] = (out_proj[:, slice h] · (w1 ⊙ A_out[t] / ρ_A)[slice h] / 2) · g ⊙ U[y] / r_t

        with ρ_A the attention branch's own RMS (held fixed, as r_t) and the same for SSM \
        heads with S_out and w2. See docs/methods.md.

        The target is the model's top prediction at the last token, or --target TOKEN. \
        --position all reads every row instead, each explaining its next prompt token (the \
        last row its target). With --prompts the result is the mean over the passages' rows.

        Writes to --out: dla-layers.png/.svg (per layer: attention vs SSM vs MLP), \
        dla-heads.png/.svg (layer × head for each branch, red = towards the target), \
        dla.json and dla.csv (component, layer, head, value).

        Examples:
          hymba-lens dla --text "The capital of France is" --target Paris --out out/dla
          hymba-lens dla models/hymba-tiny --text-file prompt.txt --position all --out out/dla-all
          hymba-lens dla --prompts analyses/domains/article.txt --max-passages 10 --max-tokens 256 \\
              --position all --out out/dla-article
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var prompt: PromptOrSetOptions

    @Option(help: ArgumentHelp("Rows to read: last (default), all, or one prompt position (a single prompt only).", valueName: "last|all|n"))
    var position: String = "last"

    @Option(help: ArgumentHelp("Explain this token at the last row instead of the top prediction: an id, a vocabulary piece or text that is one token (a single prompt only).", valueName: "token"))
    var target: String?

    @OptionGroup var output: AnalysisOutputOptions

    func validate() throws {
        if prompt.isSet && target != nil { throw ValidationError("--target needs a single prompt (the passages of --prompts end differently)") }
        if prompt.isSet && Int(position) != nil { throw ValidationError("--position with --prompts is last or all") }
        if position != "last" && position != "all" && Int(position) == nil {
            throw ValidationError("--position must be last, all or a prompt position")
        }
    }

    func run() throws {
        let destination = try output.checkedDestination()
        let checkpoint = try Checkpoint(path: model ?? ModelLoading.defaultModelPath())
        let config = checkpoint.config
        let (prompts, _) = try prompt.resolve(modelDirectory: checkpoint.directory)
        guard !prompts.isEmpty else { throw CLIError("the prompt set holds no passage") }
        let hasTokenizer = FileManager.default.fileExists(atPath: checkpoint.directory.appendingPathComponent("tokenizer.json").path)
        let tokenizer = hasTokenizer ? try Tokenizer(directory: checkpoint.directory) : nil
        let targetID = try target.map { try LensTarget.resolve($0, tokenizer: tokenizer, vocabularySize: config.vocabSize) }
        if let fixed = Int(position), !(0..<prompts[0].count).contains(fixed) {
            throw CLIError("--position \(fixed) is outside the prompt's \(prompts[0].count) tokens (0...\(prompts[0].count - 1))")
        }

        let model = try ModelLoading.load(checkpoint, quiet: output.quiet)
        var sums = DirectLogitAttribution.Sums(layers: config.hiddenLayers, heads: config.attentionHeads)
        var single: DirectLogitAttribution?
        for (index, ids) in prompts.enumerated() {
            if !output.quiet { Progress.update("dla: prompt \(index + 1)/\(prompts.count) (\(ids.count) tokens)", done: index + 1 == prompts.count) }
            let attribution = try DirectLogitAttribution.record(model: model, ids: ids, target: targetID)
            sums.add(attribution.sums(rows: rows(count: ids.count)))
            if prompts.count == 1 { single = attribution }
        }
        let mean = sums.mean
        let piece = { (id: Int) in tokenizer.map { TokenSequence.label($0.tokenStrings([id])[0]) } ?? String(id) }
        let subject: String
        if let single, let row = rows(count: single.ids.count).onlyElement {
            subject = "position \(row) → \(piece(single.targets[row]))"
        } else {
            subject = "mean over \(sums.rows) rows of \(prompts.count) prompt\(prompts.count == 1 ? "" : "s")"
        }

        let drawing = DLAFigure(mean: mean, subject: subject)
        let staging = try output.staging(destination)
        for (name, figure) in [("dla-layers", try drawing.layers()), ("dla-heads", try drawing.heads())] {
            try figure.render(to: try staging.url(for: name + ".png"), dpi: output.dpi)
            try figure.render(to: try staging.url(for: name + ".svg"), dpi: output.dpi)
        }
        let document = DLADocument(mean: mean, model: checkpoint.directory.path, prompts: prompts.count, rows: position,
                                   single: single.map { ($0, rows(count: $0.ids.count)) }, piece: { tokenizer?.tokenStrings([$0])[0] })
        try AtomicFileWriter.write(try document.encoded(), to: try staging.url(for: "dla.json"))
        try AtomicFileWriter.write(Data(document.csv.utf8), to: try staging.url(for: "dla.csv"))
        try staging.commit()
        print("wrote \(output.out): dla-layers.png/.svg, dla-heads.png/.svg, dla.json, dla.csv (\(subject))")
    }

    /// The rows a prompt of `count` tokens contributes.
    private func rows(count: Int) -> [Int] {
        switch position {
        case "last": return [count - 1]
        case "all": return Array(0..<count)
        default: return [Int(position)!]
        }
    }
}

private extension Array {
    var onlyElement: Element? { count == 1 ? first : nil }
}

/// The attribution as JSON (`dla.json`) and CSV (`dla.csv`).
struct DLADocument: Encodable {
    struct Layer: Encodable {
        let layer: Int
        let attention: Double
        let ssm: Double
        let mlp: Double
        let attentionHeads: [Double]
        let ssmHeads: [Double]

        enum CodingKeys: String, CodingKey {
            case layer, attention, ssm, mlp
            case attentionHeads = "attention_heads"
            case ssmHeads = "ssm_heads"
        }
    }

    struct Row: Encodable {
        let position: Int
        let target: Int
        let targetToken: String?
        let logit: Double

        enum CodingKeys: String, CodingKey {
            case position, target, logit
            case targetToken = "target_token"
        }
    }

    let definition = "contribution of a component c to the target logit = (c ⊙ g / r_t) · U[y_t], r_t the final residual's RMS (eps included) held fixed; embed + Σ layers (attention + ssm + mlp) = logit[t, y_t]; values are means over the rows read"
    let model: String
    let prompts: Int
    let rowsRead: String
    let rowCount: Int
    let embed: Double
    let logit: Double
    let layers: [Layer]
    /// The rows of a single prompt, with their targets.
    let inputIDs: [Int]?
    let rows: [Row]?

    enum CodingKeys: String, CodingKey {
        case definition, model, prompts, embed, logit, layers, rows
        case rowsRead = "rows_read"
        case rowCount = "row_count"
        case inputIDs = "input_ids"
    }

    init(mean: DirectLogitAttribution.Sums, model: String, prompts: Int, rows rowsRead: String,
         single: (DirectLogitAttribution, [Int])?, piece: (Int) -> String?) {
        self.model = model
        self.prompts = prompts
        self.rowsRead = rowsRead
        rowCount = mean.rows
        embed = mean.embed
        logit = mean.logit
        layers = mean.mlp.indices.map { i in
            Layer(layer: i, attention: mean.attention[i].reduce(0, +), ssm: mean.ssm[i].reduce(0, +), mlp: mean.mlp[i],
                  attentionHeads: mean.attention[i], ssmHeads: mean.ssm[i])
        }
        inputIDs = single?.0.ids
        rows = single.map { attribution, rows in
            rows.map { Row(position: $0, target: attribution.targets[$0], targetToken: piece(attribution.targets[$0]),
                           logit: attribution.total(row: $0)) }
        }
    }

    /// `component,layer,head,value`: embed (no layer), attention and ssm per head, mlp per layer.
    var csv: String {
        var lines = ["component,layer,head,value", "embed,,,\(embed)"]
        for layer in layers {
            for (h, value) in layer.attentionHeads.enumerated() { lines.append("attention,\(layer.layer),\(h),\(value)") }
            for (h, value) in layer.ssmHeads.enumerated() { lines.append("ssm,\(layer.layer),\(h),\(value)") }
            lines.append("mlp,\(layer.layer),,\(layer.mlp)")
        }
        lines.append("logit,,,\(logit)")
        return lines.joined(separator: "\n") + "\n"
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
