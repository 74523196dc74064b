import ArgumentParser
import Foundation
import HymbaKit
import HymbaPlot

struct Attention: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw what one layer's attention heads and SSM heads look at, token by token.",
        discussion: """
        Runs the prompt, recording only the maps the figure needs (e.g. \
        attn_probs@3:h1), and draws them as query × key heatmaps: rows are queries, \
        columns keys, the M meta tokens first (labelled m0, m1, …, set apart by a \
        line and a "meta" bracket), then the prompt.

        Figures:
          (default)       one attention head: softmax probabilities, viridis from 0
          --ssm           the SSM head's implicit attention α (Ali et al. 2024). It
                          is signed, so it is drawn on a diverging map (RdBu_r: red
                          > 0, white = 0, blue < 0) with a symmetric linear scale;
                          --abs draws |α| on viridis instead
          --side-by-side  attention and SSM map of the head, each with its title and
                          colour bar: attention's snapshot, the SSM's fading memory
          --grid          every head as thumbnails on one colour scale; with --ssm
                          the SSM heads, with --side-by-side attention above SSM

        Masked cells — future keys, and on sliding-window layers keys more than W \
        positions back (meta tokens stay visible) — were never computed: they are \
        drawn hatched grey ("masked" under the colour bar), never as 0. The mask \
        is the model's own, from its config.json.

        Long sequences (HymbaPlot's legibility rule): cells are 16 pt up to 30 \
        positions; beyond that the map stays 480 pt across and cells shrink \
        (480 / T pt). Every label is shown while cells are ≥ 8 pt; below that every \
        k-th label, k = ⌈8 pt / cell⌉ (200 positions → every 4th). Labels over \
        64 pt are cut with "…". T counts the meta tokens too. To read a long \
        prompt, crop it: --from/--to choose prompt tokens (the meta keys stay \
        unless --meta none), and --meta keys drops the meta query rows.

        Examples:
          hymba-lens attention --text "The cat sat." --layer 3 --head 1 --out h1.png
          hymba-lens attention models/hymba-tiny --text-file code.py --layer 1 \\
              --head 0 --side-by-side --out h0.pdf
          hymba-lens attention --text "2 + 3 = 5" --layer 0 --grid --side-by-side \\
              --out layer0.svg
          hymba-lens attention --text-file long.txt --layer 4 --ssm --meta keys \\
              --from 40 --to 80 --out crop.png
          hymba-lens attention --chat chat.json --add-generation-prompt --layer 2 \\
              --grid --out chat.png
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var prompt: PromptOptions

    @Option(help: ArgumentHelp("Layer to draw (0-based).", valueName: "L"))
    var layer: Int

    @Option(help: ArgumentHelp("Head to draw (0-based; default 0). Not with --grid.", valueName: "H"))
    var head: Int?

    @Flag(help: "Draw the SSM head's implicit attention instead of the attention head.")
    var ssm = false

    @Flag(name: .customLong("side-by-side"), help: "Draw attention and SSM maps together.")
    var sideBySide = false

    @Flag(help: "Draw every head of the layer as small multiples.")
    var grid = false

    @OptionGroup var figure: FigureOptions

    func validate() throws {
        if ssm && sideBySide {
            throw ValidationError("--ssm and --side-by-side exclude each other (--side-by-side already draws the SSM map)")
        }
        if grid && head != nil { throw ValidationError("--grid draws every head; leave out --head") }
    }

    /// The branches drawn, in figure order.
    private var kinds: [HeadMap.Kind] { sideBySide ? [.attention, .ssm] : ssm ? [.ssm] : [.attention] }

    func run() throws {
        // Everything cheap is checked before the weights are widened.
        let outURL = try figure.checkedOutput()
        let checkpoint = try Checkpoint(path: model ?? ModelLoading.defaultModelPath())
        let config = checkpoint.config
        guard (0..<config.hiddenLayers).contains(layer) else {
            throw CLIError("--layer \(layer) is out of range (the model has layers 0...\(config.hiddenLayers - 1))")
        }
        if let head, !(0..<config.attentionHeads).contains(head) {
            throw CLIError("--head \(head) is out of range (the model has heads 0...\(config.attentionHeads - 1))")
        }
        for kind in kinds { _ = try MapStyle(kind == .attention ? .probability : .implicitAttention, options: figure.style) }
        let heads = grid ? Array(0..<config.attentionHeads) : [head ?? 0]
        let headList = grid ? "" : ":" + heads.map { "h\($0)" }.joined(separator: ",")
        let plan = try RecordingPlan(kinds.map { "\($0.hookPoint.rawValue)@\(layer)\(headList)" }.joined(separator: ","), config: config)
        let (ids, strings) = try prompt.resolve(modelDirectory: checkpoint.directory)
        let sequence = TokenSequence(metaCount: config.memoryTokens, ids: ids, strings: strings)
        sequence.warnAboutMissingGlyphs()
        let tokens = try sequence.tokenRange(from: figure.from, to: figure.to)

        let model = try ModelLoading.load(checkpoint, quiet: figure.quiet)
        try model.validate(ids: ids)
        let recorder = model.makeRecorder(plan: plan)
        if !figure.quiet { Progress.note("running \(ids.count) tokens (+\(config.memoryTokens) meta), recording \(plan.specification)") }
        _ = try model.forward(ids: ids, recorder: recorder)

        let recorded = Dictionary(recorder.tensors, uniquingKeysWith: { first, _ in first })
        let maps = try kinds.map { kind -> [HeadMap] in
            guard let tensor = recorded[kind.hookPoint.key(layer: layer)] else {
                throw CLIError("internal: \(kind.hookPoint.key(layer: layer)) was not recorded")
            }
            let visibility: MapVisibility = kind == .attention ? .attention(HymbaKit.AttentionMask(config: config, layer: layer)) : .causal
            return heads.enumerated().map { slot, head in
                HeadMap(kind: kind, layer: layer, index: head, tensor: tensor, slot: slot, visibility: visibility)
            }
        }
        let builder = AttentionFigure(sequence: sequence, meta: figure.meta, tokens: tokens, style: figure.style,
                                      naming: LayerTitle(modelPath: checkpoint.directory.path, config: config),
                                      title: figure.title)
        let drawn: Figure
        if grid {
            drawn = try builder.grid(maps, headCount: config.attentionHeads)
        } else if sideBySide {
            drawn = try builder.sideBySide(attention: maps[0][0], ssm: maps[1][0])
        } else {
            drawn = try builder.single(maps[0][0])
        }
        try figure.write(drawn, to: outURL)
    }
}
