import ArgumentParser
import Foundation
import HymbaKit
import HymbaPlot
import HymbaReport

struct Patch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch",
        abstract: "Activation patching: which layers, branches, heads and positions carry the clean prompt's answer.",
        discussion: """
        Runs a clean and a corrupted prompt of the same token count, then for each layer, \
        site and position writes the clean activation into the corrupted run and measures \
        the logit difference LD = logit[answer] − logit[wrong] at the last position:

          recovered = (LD_patched − LD_corrupt) / (LD_clean − LD_corrupt)

        1 = that activation alone restores the clean answer, 0 = it does nothing. Sites: the \
        residual stream after the layer, the attention branch output A_out and the SSM branch \
        output S_out (before their norms), and with --heads each attention and SSM head's \
        channel slice. A patched run resumes from the patched layer (earlier layers are the \
        corrupted run's). Runs: layers × sites × positions (sites = 3, or 3 + 2H with \
        --heads); --positions limits the positions. See docs/methods.md.

        Writes to --out: patch.png/.svg (layer × position per site), with --heads \
        patch-attention-heads.png/.svg and patch-ssm-heads.png/.svg, patch.json and \
        patch.csv (site, layer, position, value).

        Examples:
          hymba-lens patch --clean "The Eiffel Tower is in Paris" --corrupt "The Colosseum is in Paris" \\
              --answer Paris --wrong Rome --out out/patch
          hymba-lens patch models/hymba-tiny --clean "The cat sat on the mat" \\
              --corrupt "The dog sat on the mat" --answer cat --wrong dog --heads --positions 2-last \\
              --out out/patch-heads
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @Option(help: ArgumentHelp("The clean prompt (tokenized with BOS).", valueName: "text"))
    var clean: String?

    @Option(help: ArgumentHelp("The corrupted prompt, with as many tokens as the clean one.", valueName: "text"))
    var corrupt: String?

    @Option(name: .customLong("clean-ids"), help: ArgumentHelp("The clean prompt as token ids instead.", valueName: "ids"))
    var cleanIDs: String?

    @Option(name: .customLong("corrupt-ids"), help: ArgumentHelp("The corrupted prompt as token ids instead.", valueName: "ids"))
    var corruptIDs: String?

    @Option(help: ArgumentHelp("The clean prompt's answer: an id, a vocabulary piece or text that is one token.", valueName: "token"))
    var answer: String

    @Option(help: ArgumentHelp("The corrupted prompt's answer, the other side of the logit difference.", valueName: "token"))
    var wrong: String

    @Flag(help: "Also patch every attention head and every SSM head (2H more sites per layer).")
    var heads = false

    @Option(help: ArgumentHelp("Prompt positions to patch, e.g. 3-last or 0,5,9 (default: all).", valueName: "list"))
    var positions: String?

    @OptionGroup var output: AnalysisOutputOptions

    func validate() throws {
        guard (clean == nil) != (cleanIDs == nil) else { throw ValidationError("give exactly one of --clean or --clean-ids") }
        guard (corrupt == nil) != (corruptIDs == nil) else { throw ValidationError("give exactly one of --corrupt or --corrupt-ids") }
    }

    func run() throws {
        let destination = try output.checkedDestination()
        let checkpoint = try Checkpoint(path: model ?? ModelLoading.defaultModelPath())
        let config = checkpoint.config
        let hasTokenizer = FileManager.default.fileExists(atPath: checkpoint.directory.appendingPathComponent("tokenizer.json").path)
        let tokenizer = hasTokenizer ? try Tokenizer(directory: checkpoint.directory) : nil
        func prompt(_ text: String?, _ ids: String?, _ option: String) throws -> [Int] {
            if let ids { return try PromptOptions.parseIDs(ids) }
            guard let tokenizer else { throw CLIError("\(checkpoint.directory.path) has no tokenizer.json: give \(option)-ids instead") }
            return tokenizer.encode(text!)
        }
        let cleanPrompt = try prompt(clean, cleanIDs, "--clean"), corruptPrompt = try prompt(corrupt, corruptIDs, "--corrupt")
        guard cleanPrompt.count == corruptPrompt.count else {
            throw CLIError(PatchingError.lengthMismatch(clean: cleanPrompt.count, corrupt: corruptPrompt.count).description)
        }
        // LensTarget's errors name --target; here the token is the --answer or --wrong.
        func token(_ text: String, _ option: String) throws -> Int {
            do { return try LensTarget.resolve(text, tokenizer: tokenizer, vocabularySize: config.vocabSize) } catch let error as CLIError {
                throw CLIError(error.description.replacingOccurrences(of: "--target", with: option))
            }
        }
        let answerID = try token(answer, "--answer"), wrongID = try token(wrong, "--wrong")
        let positionList = try positions.map {
            try IndexList.parse($0, option: "--positions", noun: "prompt position", count: cleanPrompt.count)
        }

        let model = try ModelLoading.load(checkpoint, quiet: output.quiet)
        if !output.quiet {
            let sites = ActivationPatching.sites(heads: heads ? config.attentionHeads : nil).count
            let count = positionList?.count ?? cleanPrompt.count
            Progress.note("patch: \(config.hiddenLayers) layers × \(sites) sites × \(count) positions = \(config.hiddenLayers * sites * count) resumed runs")
        }
        let start = Date()
        let result = try ActivationPatching.run(model: model, clean: cleanPrompt, corrupt: corruptPrompt, answer: answerID,
                                                wrong: wrongID, positions: positionList, heads: heads) { done, total in
            guard !output.quiet else { return }
            let elapsed = Date().timeIntervalSince(start)
            let eta = RunProgress.clock(elapsed / Double(done) * Double(total - done))
            Progress.update("patch: run \(done)/\(total) · ETA \(eta)", done: done == total)
        }

        let piece = { (id: Int) in tokenizer.map { TokenSequence.label($0.tokenStrings([id])[0]) } ?? String(id) }
        let labels = result.positions.map { p in
            cleanPrompt[p] == corruptPrompt[p] ? piece(cleanPrompt[p]) : piece(cleanPrompt[p]) + "/" + piece(corruptPrompt[p])
        }
        let subject = "\(piece(answerID)) vs \(piece(wrongID))"
        let drawing = PatchFigure(result: result, positionLabels: labels, subject: subject)
        let staging = try output.staging(destination)
        var figures = [("patch", try drawing.sites())]
        if let figure = try drawing.heads(attention: true) { figures.append(("patch-attention-heads", figure)) }
        if let figure = try drawing.heads(attention: false) { figures.append(("patch-ssm-heads", figure)) }
        for (name, figure) in figures {
            try figure.render(to: try staging.url(for: name + ".png"), dpi: output.dpi)
            try figure.render(to: try staging.url(for: name + ".svg"), dpi: output.dpi)
        }
        let document = PatchDocument(result: result, model: checkpoint.directory.path, clean: cleanPrompt, corrupt: corruptPrompt,
                                     answer: answerID, wrong: wrongID, labels: labels)
        try AtomicFileWriter.write(try document.encoded(), to: try staging.url(for: "patch.json"))
        try AtomicFileWriter.write(Data(document.csv.utf8), to: try staging.url(for: "patch.csv"))
        try staging.commit()
        print(String(format: "wrote %@: %@ (LD clean %.4f, corrupt %.4f)", output.out,
                     (figures.map { $0.0 + ".png/.svg" } + ["patch.json", "patch.csv"]).joined(separator: ", "),
                     result.cleanDifference, result.corruptDifference))
    }
}

/// The patching result as JSON (`patch.json`) and CSV (`patch.csv`).
struct PatchDocument: Encodable {
    struct Site: Encodable {
        let site: String
        /// `[layer][k]` at `positions[k]`.
        let values: [[Double]]
    }

    let definition = "recovered = (LD_patched − LD_corrupt) / (LD_clean − LD_corrupt), LD = logit[answer] − logit[wrong] at the last position; the clean activation of the site at the position written into the corrupted run"
    let model: String
    let cleanIDs: [Int]
    let corruptIDs: [Int]
    let answer: Int
    let wrong: Int
    let cleanDifference: Double
    let corruptDifference: Double
    let positions: [Int]
    let positionLabels: [String]
    let sites: [Site]

    enum CodingKeys: String, CodingKey {
        case definition, model, answer, wrong, positions, sites
        case cleanIDs = "clean_ids"
        case corruptIDs = "corrupt_ids"
        case cleanDifference = "clean_logit_difference"
        case corruptDifference = "corrupt_logit_difference"
        case positionLabels = "position_labels"
    }

    init(result: ActivationPatching, model: String, clean: [Int], corrupt: [Int], answer: Int, wrong: Int, labels: [String]) {
        self.model = model
        cleanIDs = clean
        corruptIDs = corrupt
        self.answer = answer
        self.wrong = wrong
        cleanDifference = result.cleanDifference
        corruptDifference = result.corruptDifference
        positions = result.positions
        positionLabels = labels
        sites = result.maps.map { Site(site: $0.site.description, values: $0.values) }
    }

    /// `site,layer,position,value`.
    var csv: String {
        var lines = ["site,layer,position,value"]
        for site in sites {
            for (layer, row) in site.values.enumerated() {
                for (k, value) in row.enumerated() { lines.append("\(site.site),\(layer),\(positions[k]),\(value)") }
            }
        }
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
