import ArgumentParser
import Foundation
import HymbaKit
import HymbaPlot

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a figure from a saved recording, without running the model again.",
        discussion: """
        Reads RECORDING.safetensors (from `hymba-lens trace`) and its manifest \
        (token strings, meta-token count, which heads each map holds) and draws \
        one key:

          layers.{i}.attn_probs, ssm_attn [H, T, T]
              one head (--head), every recorded head (--grid); --side-by-side
              pairs a head's attention and SSM maps (record both keys) — the
              same figures as `attention`
          layers.{i}.ssm_attn_channels [k, T, T]
              one SSM channel (--channel), or --grid
          layers.{i}.attn_mass, ssm_mass [H, 4]
              stacked bars per head: meta / BOS / self / cross
          any other 2-D key
              a heatmap: hidden [T, D], ssm_state_norm [T, E],
              attn_head_norm [T, H], meta_attn_received [H, M], logits, …

        --head is the head number, not the slot: a map recorded with \
        attn_probs@3:h1,h3 holds heads 1 and 3, and --head 3 finds the second slot.

        Masks: every map is causal, so future keys are always drawn masked. Cells \
        outside a sliding window need the model's config, taken from the \
        manifest's model folder (or --model DIR) when its config.json matches the \
        digest in the manifest; without it they show their recorded 0, and a note \
        says so. Signed values (α, hidden states) use a diverging map centred on \
        0, probabilities and norms a sequential one. Long sequences follow the \
        legibility rule in `attention --help`: crop with --from/--to and --meta.

        Examples:
          hymba-lens trace models/hymba-tiny --text "The cat sat." \\
              --record attn_probs@3,ssm_attn@3,attn_mass@3 --out rec.safetensors
          hymba-lens plot rec.safetensors --key layers.3.attn_probs --head 2 \\
              --out head2.svg
          hymba-lens plot rec.safetensors --key layers.3.ssm_attn --head 2 \\
              --side-by-side --out both.pdf
          hymba-lens plot rec.safetensors --key layers.3.ssm_attn --grid --out ssm.png
          hymba-lens plot rec.safetensors --key layers.3.attn_mass --out mass.png
        """)

    @Argument(help: ArgumentHelp("A recording (.safetensors) written by `hymba-lens trace`.", valueName: "recording"))
    var recording: String

    @Option(help: ArgumentHelp("The recording key to draw, e.g. layers.3.attn_probs.", valueName: "key"))
    var key: String

    @Option(help: ArgumentHelp("Head number of an attn_probs / ssm_attn map.", valueName: "H"))
    var head: Int?

    @Option(help: ArgumentHelp("SSM channel number of an ssm_attn_channels map.", valueName: "C"))
    var channel: Int?

    @Flag(name: .customLong("side-by-side"), help: "Draw the head's attention and SSM maps together.")
    var sideBySide = false

    @Flag(help: "Draw every recorded head (or channel) of the map as small multiples.")
    var grid = false

    @Option(help: ArgumentHelp("Model folder whose config.json rebuilds sliding-window masks (default: the manifest's model).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var figure: FigureOptions

    func validate() throws {
        if head != nil && channel != nil { throw ValidationError("give --head or --channel, not both") }
        if grid && (head != nil || channel != nil) { throw ValidationError("--grid draws every head; leave out --head / --channel") }
    }

    func run() throws {
        let outURL = try figure.checkedOutput()
        let recordingURL = URL(fileURLWithPath: recording)
        guard FileManager.default.fileExists(atPath: recordingURL.path) else {
            throw CLIError("recording \(recording) not found")
        }
        let loaded = try Recording(contentsOf: recordingURL)
        let manifest = loaded.manifest
        guard let tensor = loaded.tensor(key) else {
            throw CLIError("\(recording) has no key '\(key)' (it holds: \(Self.list(loaded.tensors.map(\.name))))")
        }
        let parsed = RecordingKey(key)
        let found = try RecordedModelConfig.find(manifest: manifest, recordingURL: recordingURL, explicitModel: model)
        let naming = LayerTitle(modelPath: manifest.model, config: found.config)
        let sequence = TokenSequence(metaCount: manifest.metaTokens, ids: manifest.tokens.ids, strings: manifest.tokens.strings)
        sequence.warnAboutMissingGlyphs()
        let tokens = try sequence.tokenRange(from: figure.from, to: figure.to)

        let drawn: Figure
        if let kind = parsed.mapKind {
            drawn = try mapFigure(kind, key: parsed, tensor: tensor, recording: loaded, sequence: sequence, tokens: tokens,
                                  config: found.config, missingConfig: found.missing, naming: naming)
        } else {
            try refuseMapOptions(for: tensor)
            if parsed.isMass {
                drawn = try MassFigure(key: parsed, tensor: tensor, naming: naming, title: figure.title).figure()
            } else {
                drawn = try MatrixFigure(key: parsed, tensor: tensor, sequence: sequence, meta: figure.meta, tokens: tokens,
                                         style: figure.style, naming: naming, title: figure.title).figure()
            }
        }
        try figure.write(drawn, to: outURL)
    }

    /// --head, --channel, --grid and --side-by-side only make sense for [k, T, T] maps.
    private func refuseMapOptions(for tensor: Tensor) throws {
        let given = [(head != nil, "--head"), (channel != nil, "--channel"), (grid, "--grid"), (sideBySide, "--side-by-side")]
            .filter(\.0).map(\.1)
        if let option = given.first {
            throw CLIError("\(key) \(tensor.shape) is not a per-head map, so \(option) does not apply (it does to attn_probs, ssm_attn and ssm_attn_channels)")
        }
        guard tensor.shape.count == 2 else {
            throw CLIError("\(key) has shape \(tensor.shape): only 2-D keys and [k, T, T] maps can be drawn")
        }
    }

    private func mapFigure(_ kind: HeadMap.Kind, key: RecordingKey, tensor: Tensor, recording: Recording,
                           sequence: TokenSequence, tokens: Range<Int>, config: HymbaConfig?, missingConfig: String?,
                           naming: LayerTitle) throws -> Figure {
        guard let layer = key.layer else { throw CLIError("\(key.name) names no layer") }
        let positions = sequence.positionCount
        guard tensor.shape.count == 3, tensor.shape[1] == positions, tensor.shape[2] == positions else {
            throw CLIError("\(key.name) has shape \(tensor.shape), expected [k, \(positions), \(positions)] for this recording's \(positions) positions")
        }
        if kind == .ssmChannel, head != nil {
            throw CLIError("\(key.name) holds SSM channels, not heads: choose one with --channel")
        }
        if kind != .ssmChannel, channel != nil {
            throw CLIError("--channel applies to ssm_attn_channels; \(key.name) holds heads: choose one with --head")
        }
        if sideBySide && kind == .ssmChannel {
            throw CLIError("--side-by-side pairs attn_probs with ssm_attn of the same head; \(key.name) holds single channels")
        }

        var kinds = [kind]
        if sideBySide { kinds = [.attention, .ssm] }
        let chosen: [Int]? = grid ? nil : try chosenIndex(key: key, tensor: tensor, recording: recording).map { [$0] }
        let maps = try kinds.map { kind -> [HeadMap] in
            let name = kind.hookPoint.key(layer: layer)
            guard let tensor = recording.tensor(name) else {
                throw CLIError("--side-by-side needs \(name) too, and the recording has none (record both: attn_probs@\(layer),ssm_attn@\(layer))")
            }
            let indices = Self.indices(of: name, in: recording, tensor: tensor)
            let wanted = chosen ?? indices
            return try wanted.map { index in
                guard let slot = indices.firstIndex(of: index) else {
                    throw CLIError("\(name) holds \(kind == .ssmChannel ? "channels" : "heads") \(Self.list(indices.map(String.init))) only, not \(index)")
                }
                return HeadMap(kind: kind, layer: layer, index: index, tensor: tensor, slot: slot,
                               visibility: visibility(kind, layer: layer, config: config))
            }
        }
        if kinds.contains(.attention), let missingConfig, !figure.quiet {
            Progress.note("note: \(missingConfig); only future keys are masked, cells outside a sliding window show their recorded 0 (pass --model DIR)")
        }
        let builder = AttentionFigure(sequence: sequence, meta: figure.meta, tokens: tokens, style: figure.style,
                                      naming: naming, title: figure.title)
        if grid { return try builder.grid(maps, headCount: config?.attentionHeads) }
        if sideBySide { return try builder.sideBySide(attention: maps[0][0], ssm: maps[1][0]) }
        return try builder.single(maps[0][0])
    }

    /// The head (or channel) number asked for; nil = the only one there is.
    private func chosenIndex(key: RecordingKey, tensor: Tensor, recording: Recording) throws -> Int? {
        if let index = head ?? channel { return index }
        let indices = Self.indices(of: key.name, in: recording, tensor: tensor)
        if indices.count == 1 { return indices[0] }
        let noun = key.mapKind == .ssmChannel ? "channel" : "head"
        throw CLIError("\(key.name) holds \(indices.count) \(noun)s (\(Self.list(indices.map(String.init)))): choose one with --\(noun), or draw all with --grid")
    }

    /// The head (or channel) numbers along axis 0 of a map, from the manifest; slot numbers if
    /// the manifest does not say.
    private static func indices(of name: String, in recording: Recording, tensor: Tensor) -> [Int] {
        let entry = recording.manifest.tensors.first { $0.name == name }
        let listed = RecordingKey(name).mapKind == .ssmChannel ? entry?.channels : entry?.heads
        if let listed, listed.count == tensor.shape[0] { return listed }
        return Array(0..<tensor.shape[0])
    }

    private func visibility(_ kind: HeadMap.Kind, layer: Int, config: HymbaConfig?) -> MapVisibility {
        guard kind == .attention, let config, layer < config.hiddenLayers else { return .causal }
        return .attention(HymbaKit.AttentionMask(config: config, layer: layer))
    }

    /// "a, b, c" — shortened after 12 items so the error stays one readable line.
    static func list(_ items: [String]) -> String {
        items.count <= 12 ? items.joined(separator: ", ") : items.prefix(12).joined(separator: ", ") + ", … (\(items.count) in all)"
    }
}
