import ArgumentParser
import Foundation
import HymbaKit
import HymbaPlot

struct Lens: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the logit lens: what each layer's residual stream predicts, position by position.",
        discussion: """
        The logit lens reads the residual stream after layer i through the model's own \
        final RMSNorm and (tied) LM head, as if the later layers were skipped:

          lens_i[t] = RMSNorm_final(hidden_i[M + t]) · W_Uᵀ
          p_i[t]    = softmax(lens_i[t])

        on the real tokens (the M meta rows are left out). After the last layer it is \
        the model's own prediction: that row equals the logits. See docs/methods.md.

        The figure is a grid: one row per layer (the last layer on top), one column \
        per prompt position; each cell names the most likely next token and is \
        coloured by its probability (viridis, 0 to 1). With a target (--target or \
        --next), --rank writes the target's rank under each token (#1 = the top \
        token) and a line plot below follows the target's log-probability by layer \
        at --line-positions (default: the last position that has a target).

        Positions are prompt tokens, 0-based (0 is usually <s>): --positions 3-9. A \
        grid shows at most 64 positions; longer prompts need --positions. Only the \
        chosen layers × positions go through the LM head, each keeping its top-k \
        (--top-k, in the JSON) and its target — never a full vocabulary row.

        --json writes every cell: layer, position, the top-k tokens with \
        probabilities and log-probabilities, and the target's log-probability and rank.

        Examples:
          hymba-lens lens --text "The capital of France is" --target Paris --rank \\
              --out lens.png
          hymba-lens lens models/hymba-tiny --text-file prompt.txt --positions 10-30 \\
              --next --rank --json lens.json --out lens.pdf
          hymba-lens lens --ids 1,450,6635,3290 --layers 2-last --out lens.svg
        """)

    /// More columns than this make an unreadable grid; the user crops with --positions.
    static let maximumPositions = 64
    static let maximumLines = 8

    @Argument(help: ArgumentHelp("Checkpoint folder (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var prompt: PromptOptions

    @Option(help: ArgumentHelp("Layers to read: all, last, numbers and ranges, e.g. 0,2-4.", valueName: "list"))
    var layers: String = "all"

    @Option(help: ArgumentHelp("Prompt positions (0-based tokens) to read, e.g. 3-9 (default: all, up to 64).", valueName: "a-b"))
    var positions: String?

    @Option(help: ArgumentHelp("Follow this token: an id, a vocabulary piece (▁Paris, <0x0A>) or text that is one token (Paris).", valueName: "token"))
    var target: String?

    @Flag(help: "Follow each position's next prompt token (the last position has none).")
    var next = false

    @Flag(help: "Write the target's rank in each cell (needs --target or --next).")
    var rank = false

    @Option(name: .customLong("line-positions"), help: ArgumentHelp("Positions whose target log-probability is drawn by layer (default: the last one with a target; at most 8).", valueName: "list"))
    var linePositions: String?

    @Option(name: .customLong("top-k"), help: ArgumentHelp("Most likely tokens kept per cell, for --json (1...100).", valueName: "k"))
    var topK: Int = 5

    @Option(help: ArgumentHelp("Output figure: .png, .svg or .pdf (chosen by the extension).", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Also write every cell as JSON to this file.", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("Colour map of the probabilities: viridis, magma, cividis; add _r to reverse.", valueName: "name"))
    var colormap: String = "viridis"

    @Option(help: ArgumentHelp("Raster resolution of a .png (pixels = points × dpi / 72).", valueName: "n"))
    var dpi: Double = 144

    @Option(help: ArgumentHelp("Title instead of the automatic one (\"\" for none).", valueName: "text"))
    var title: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        if target != nil && next { throw ValidationError("--target and --next exclude each other") }
        if rank && target == nil && !next { throw ValidationError("--rank needs a target: give --target TOKEN or --next") }
        if linePositions != nil && target == nil && !next {
            throw ValidationError("--line-positions needs a target: give --target TOKEN or --next")
        }
        guard (1...100).contains(topK) else { throw ValidationError("--top-k must be between 1 and 100") }
        guard dpi.isFinite, dpi >= 10, dpi <= 2400 else { throw ValidationError("--dpi must be between 10 and 2400") }
        guard let map = Colormap.named(colormap), !map.isDiverging else {
            throw ValidationError("--colormap '\(colormap)' is not a sequential colour map (viridis, magma, cividis; add _r to reverse)")
        }
    }

    func run() throws {
        // Everything cheap is checked before the weights are widened.
        let outURL = try OutputPath.check(out, extensions: OutputFormat.allCases.map(\.rawValue))
        let jsonURL = try json.map { try OutputPath.check($0, extensions: ["json"]) }
        if let jsonURL, jsonURL.standardizedFileURL == outURL.standardizedFileURL {
            throw CLIError("--json and --out name the same file")
        }
        let checkpoint = try Checkpoint(path: model ?? ModelLoading.defaultModelPath())
        let config = checkpoint.config
        let layerList = try IndexList.parse(layers, option: "--layers", noun: "layer", count: config.hiddenLayers)
        let (ids, strings) = try prompt.resolve(modelDirectory: checkpoint.directory)
        let sequence = TokenSequence(metaCount: config.memoryTokens, ids: ids, strings: strings)
        let positionList = try chosenPositions(count: ids.count)
        let tokenizer = strings == nil ? nil : try Tokenizer(directory: checkpoint.directory)
        let choice: LensTarget = try target.map { .token(try LensTarget.resolve($0, tokenizer: tokenizer, vocabularySize: config.vocabSize)) }
            ?? (next ? .next : .none)
        let targets = choice.targets(ids: ids, positions: positionList)
        let lines = try chosenLinePositions(positions: positionList, targets: targets, promptLength: ids.count)

        let model = try ModelLoading.load(checkpoint, quiet: quiet)
        try model.validate(ids: ids)
        if !quiet { Progress.note("running \(ids.count) tokens (+\(config.memoryTokens) meta), reading \(layerList.count) layers × \(positionList.count) positions") }
        let grid = try LensGrid.record(model: model, ids: ids, layers: layerList, positions: positionList,
                                       targets: targets, topK: topK)

        let pieces = tokenizer.map { tokenizer in { (id: Int) in TokenSequence.label(tokenizer.tokenStrings([id])[0]) } }
            ?? { String($0) }
        let drawing = LensFigure(grid: grid, promptTokens: sequence.tokens, tokenLabel: pieces, showsRank: rank,
                                 linePositions: lines, colormap: Colormap.named(colormap)!,
                                 naming: LayerTitle(modelPath: checkpoint.directory.path, config: config), title: title)
        let figure = try drawing.figure()
        // Both outputs are made in memory first, so a failure leaves neither half-made.
        let image = try figure.renderData(format: OutputFormat(path: outURL), dpi: dpi)
        let document = try jsonURL.map { _ in
            try LensDocument(grid: grid, model: checkpoint.directory.path, ids: ids,
                             pieces: { tokenizer?.tokenStrings([$0])[0] }).encoded()
        }
        try AtomicFileWriter.write(image, to: outURL)
        let size = try figure.resolvedSize()
        print("wrote \(out) (\(Int(size.width.rounded())) × \(Int(size.height.rounded())) pt)")
        if let jsonURL, let json, let document {
            try AtomicFileWriter.write(document, to: jsonURL)
            print("wrote \(json) (\(grid.layers.count) layers × \(grid.positions.count) positions)")
        }
    }

    /// `--positions`, or every position of a prompt short enough for one grid.
    private func chosenPositions(count n: Int) throws -> [Int] {
        let chosen: [Int]
        if let positions {
            chosen = try IndexList.parse(positions, option: "--positions", noun: "prompt position", count: n)
        } else {
            guard n <= Self.maximumPositions else {
                throw CLIError("the prompt has \(n) tokens and a lens grid shows at most \(Self.maximumPositions) positions: choose some with --positions a-b (0...\(n - 1))")
            }
            chosen = Array(0..<n)
        }
        guard chosen.count <= Self.maximumPositions else {
            throw CLIError("--positions chooses \(chosen.count) positions; a lens grid shows at most \(Self.maximumPositions)")
        }
        return chosen
    }

    private func chosenLinePositions(positions: [Int], targets: [Int?]?, promptLength n: Int) throws -> [Int] {
        guard let targets else { return [] }
        let withTarget = zip(positions, targets).compactMap { $1 == nil ? nil : $0 }
        guard let linePositions else { return withTarget.last.map { [$0] } ?? [] }
        let chosen = try IndexList.parse(linePositions, option: "--line-positions", noun: "prompt position", count: n)
        for position in chosen where !withTarget.contains(position) {
            throw CLIError(positions.contains(position)
                ? "--line-positions \(position) is the last prompt token: it has no next token to follow"
                : "--line-positions \(position) is not among the --positions read")
        }
        guard chosen.count <= Self.maximumLines else {
            throw CLIError("--line-positions chooses \(chosen.count) positions; the line plot reads at most \(Self.maximumLines)")
        }
        return chosen
    }
}

/// The lens grid as JSON (`lens --json`): every cell with its top-k and its target.
struct LensDocument: Encodable {
    struct Token: Encodable {
        let id: Int
        let token: String?
        let probability: Double
        let logProbability: Double

        enum CodingKeys: String, CodingKey {
            case id, token, probability
            case logProbability = "log_probability"
        }
    }

    struct Target: Encodable {
        let id: Int
        let token: String?
        let logProbability: Double
        let rank: Int

        enum CodingKeys: String, CodingKey {
            case id, token, rank
            case logProbability = "log_probability"
        }
    }

    struct Cell: Encodable {
        let layer: Int
        let position: Int
        let top: [Token]
        let target: Target?
    }

    let definition = "lens_i[t] = RMSNorm_final(layers.{i}.hidden[M + t]) · W_U^T; probabilities by softmax over the vocabulary; rank 1 = most likely"
    let model: String
    let inputIDs: [Int]
    let layers: [Int]
    let positions: [Int]
    let cells: [Cell]

    enum CodingKeys: String, CodingKey {
        case definition, model, layers, positions, cells
        case inputIDs = "input_ids"
    }

    init(grid: LensGrid, model: String, ids: [Int], pieces: (Int) -> String?) {
        self.model = model
        inputIDs = ids
        layers = grid.layers
        positions = grid.positions
        var cells: [Cell] = []
        for (l, layer) in grid.layers.enumerated() {
            for (p, position) in grid.positions.enumerated() {
                let readout = grid.cells[l][p]
                cells.append(Cell(
                    layer: layer, position: position,
                    top: readout.top.map { Token(id: $0.id, token: pieces($0.id), probability: $0.probability, logProbability: $0.logProbability) },
                    target: readout.target.map { Target(id: $0.id, token: pieces($0.id), logProbability: $0.logProbability, rank: $0.rank) }))
            }
        }
        self.cells = cells
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
