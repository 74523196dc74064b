import ArgumentParser
import Foundation
import HymbaKit

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one prompt through a model and record its internals to a safetensors file.",
        discussion: """
        Writes the recorded tensors as F32 safetensors (input_ids as I64) and a JSON manifest beside \
        it (rec.safetensors → rec.manifest.json) naming the model, its config digest, the tokens (ids and \
        strings) and the plan. Open the file with safetensors.numpy.load_file.

        Keys are layers.{i}.{point}, plus input_ids and logits. Dimensions: T = M + n positions \
        (the M meta tokens first), H heads, dv = d_inner/H, E = d_inner, N = d_state.

        --record takes a comma list of items  name[@layers][:heads]:
          all                    every hook point (attention and SSM maps are H×T×T per layer)
          logits,hidden          chosen keys, all layers
          attn_probs@0,15,31     attention maps of layers 0, 15 and 31
          ssm_attn@last:h0-3     SSM implicit maps of the last layer, heads 0..3
          *_mass,layers.2.ssm_x  globs and single-layer keys
        Hook points: \(HookPoint.allCases.map(\.rawValue).joined(separator: ", ")).
        See docs/probes.md for every shape and formula.

        The prompt is --ids, --text, --text-file or --chat (a conversation rendered with the \
        model's chat template, as Hugging Face's apply_chat_template does; see docs/chat.md).

        Examples:
          hymba-lens trace models/hymba-tiny --ids 1,450,4996 --record all --out rec.safetensors
          hymba-lens trace models/hymba-tiny --text "The quick brown fox" --record attn_probs@0 --out fox.safetensors
          hymba-lens trace models/hymba-tiny --chat chat.json --add-generation-prompt \\
              --record attn_mass --out chat.safetensors
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder (config.json + model.safetensors or shards).", valueName: "model-dir"))
    var model: String

    @OptionGroup var prompt: PromptOptions

    @Option(help: ArgumentHelp("What to record (see above).", valueName: "plan"))
    var record: String = "input_ids,logits,hidden,attn_mass,meta_attn_received"

    @Option(name: .customLong("ssm-attn-channels"),
            help: ArgumentHelp("Also record the implicit attention of these SSM channels (layers.{i}.ssm_attn_channels [k,T,T]).", valueName: "c1,c2"))
    var ssmAttentionChannels: String?

    @Option(help: ArgumentHelp("Output .safetensors file.", valueName: "file"))
    var out: String

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func run() throws {
        // Everything cheap is checked before the weights are widened.
        let outURL = try OutputPath.check(out, extensions: ["safetensors"])
        try Recording.checkManifestPath(for: outURL)
        let checkpoint = try Checkpoint(path: self.model)
        let channels = try ssmAttentionChannels.map {
            try PromptOptions.parseIntegers($0, option: "--ssm-attn-channels", noun: "SSM channel", article: "an")
        } ?? []
        let plan = try RecordingPlan(record, config: checkpoint.config, ssmAttentionChannels: channels)
        let (ids, tokens) = try prompt.resolve(modelDirectory: checkpoint.directory)
        try RecordingSize.check(plan, config: checkpoint.config, tokens: ids.count)
        let model = try ModelLoading.load(checkpoint, quiet: quiet)
        try model.validate(ids: ids)

        let recorder = model.makeRecorder(plan: plan)
        let start = Date()
        let logits = try model.forward(ids: ids, recorder: recorder, logitRows: .last)
        let seconds = Date().timeIntervalSince(start)
        let recording = Recording(recorder: recorder, ids: ids, tokenStrings: tokens,
                                  modelPath: self.model, configData: checkpoint.configData)
        try recording.write(to: outURL)

        if !quiet {
            Progress.note(String(format: "ran %d tokens (+%d meta) in %.2f s", ids.count, model.config.memoryTokens, seconds))
        }
        print("wrote \(out) (\(recording.tensors.count) tensors) and \(Recording.manifestURL(for: outURL).path)")
        if let next = logits.row(logits.rows - 1).enumerated().max(by: { $0.element < $1.element }) {
            print("next-token argmax after the prompt: \(next.offset)")
        }
    }
}
