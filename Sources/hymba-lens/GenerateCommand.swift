import ArgumentParser
import Foundation
import HymbaKit

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a prompt or answer a chat with cached decoding, as the reference's generate does.",
        discussion: """
        Runs the prompt once (prefill), then one token at a time on the cached per-layer state \
        (K/V, conv tail, SSM state), exactly as the official modeling code's \
        generate(use_cache=True): meta tokens once, positions continuing, and on sliding-window \
        layers each new token sees the meta tokens plus the last W tokens (itself included). \
        See docs/generation.md.

        Greedy (argmax) unless --temperature is given; then tokens are sampled with a seeded \
        SplitMix64 generator (--seed, default 0: the same seed gives the same text on every \
        machine), after --top-k (keep the K most likely) and --top-p (keep the most likely tokens \
        until their probabilities sum to P). Generation stops after the end-of-sequence token \
        (eos_token_id of config.json, </s> for Hymba) unless --ignore-eos, or after \
        --max-new-tokens.

        The text is printed as it is produced; with --json one line at the end instead: \
        {"prompt_ids": [...], "generated_ids": [...], "text": "..."}. Prompt and decode speed \
        (tokens/s) go to stderr. --out writes a recording with step_logits [new, vocab]: row k \
        holds the logits that chose generated token k (and input_ids, generated_ids). With \
        --record attn_weights[@layers] it also holds layers.{i}.attn_weights [H, new, P]: row k is \
        the attention of that same query row over all P = M + n + new - 1 positions (meta tokens \
        first, 0 where masked or not yet generated). Other hook points are not supported yet.

        Examples:
          hymba-lens generate --text "The river flows" --max-new-tokens 16
          hymba-lens generate models/hymba-tiny --chat chat.json --add-generation-prompt \\
              --max-new-tokens 24
          hymba-lens generate --ids 1,450,4996 --max-new-tokens 8 --temperature 0.8 \\
              --top-k 40 --top-p 0.95 --seed 7 --json
          hymba-lens generate --text "Once upon a time" --max-new-tokens 12 --ignore-eos \\
              --out story.safetensors --record attn_weights@0,last
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var prompt: PromptOptions

    @Option(name: .customLong("max-new-tokens"), help: ArgumentHelp("Tokens to generate at most (1...\(Self.maximumNewTokens)).", valueName: "N"))
    var maxNewTokens: Int

    @Option(help: ArgumentHelp("Sample with this temperature (> 0) instead of greedy decoding.", valueName: "T"))
    var temperature: Float?

    @Option(name: .customLong("top-k"), help: ArgumentHelp("When sampling: keep only the K most likely tokens (K ≥ 1).", valueName: "K"))
    var topK: Int?

    @Option(name: .customLong("top-p"), help: ArgumentHelp("When sampling: keep the most likely tokens whose probabilities sum to P, in (0, 1].", valueName: "P"))
    var topP: Double?

    @Option(help: ArgumentHelp("When sampling: the seed of the random generator (default 0).", valueName: "S"))
    var seed: UInt64?

    @Flag(name: .customLong("ignore-eos"), help: "Keep going past the end-of-sequence token.")
    var ignoreEOS = false

    @Flag(help: "Print one JSON line at the end instead of streaming the text.")
    var json = false

    @Option(help: ArgumentHelp("Also write a recording (.safetensors + manifest) with step_logits.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("With --out: also record attn_weights[@layers], each generated token's attention over the whole context (see above).", valueName: "plan"))
    var record: String?

    @Flag(help: "No progress or speed on stderr.")
    var quiet = false

    /// A guard against typos (a million tokens is hours even on the tiny model); the model's
    /// max_position_embeddings is checked too.
    static let maximumNewTokens = 100_000

    func validate() throws {
        guard (1...Self.maximumNewTokens).contains(maxNewTokens) else {
            throw ValidationError("--max-new-tokens must be in 1...\(Self.maximumNewTokens) (got \(maxNewTokens))")
        }
        if temperature == nil {
            for (given, name) in [(topK != nil, "--top-k"), (topP != nil, "--top-p"), (seed != nil, "--seed")] where given {
                throw ValidationError("\(name) only applies when sampling: give --temperature T too (without it decoding is greedy)")
            }
        }
        if record != nil && out == nil { throw ValidationError("--record needs --out FILE") }
    }

    /// The layers of `--record attn_weights[@layers]`, the one plan generate records so far.
    static func attentionLayers(_ plan: String?, layers: Int) throws -> [Int] {
        guard let plan else { return [] }
        let trimmed = plan.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.first == "attn_weights", !trimmed.hasSuffix("@") else {
            throw CLIError("--record '\(plan)': generate records only attn_weights[@layers] so far (each generated token's attention over the whole context, e.g. attn_weights@0,last); other hook points are not supported yet")
        }
        return try IndexList.parse(parts.count > 1 ? parts[1] : "all", option: "--record attn_weights@", noun: "layer", count: layers)
    }

    func run() throws {
        let sampler = try TokenSampler(temperature.map { .sample(temperature: $0, topK: topK, topP: topP, seed: seed ?? 0) } ?? .greedy)
        let outURL = try out.map { try OutputPath.check($0, extensions: ["safetensors"]) }
        if let outURL { try Recording.checkManifestPath(for: outURL) }
        let checkpoint = try Checkpoint(path: model ?? ModelLoading.defaultModelPath())
        let attentionLayers = try Self.attentionLayers(record, layers: checkpoint.config.hiddenLayers)
        let (ids, strings) = try prompt.resolve(modelDirectory: checkpoint.directory)
        let tokenizerURL = checkpoint.directory.appendingPathComponent("tokenizer.json")
        let tokenizer = FileManager.default.fileExists(atPath: tokenizerURL.path) ? try Tokenizer(directory: checkpoint.directory) : nil
        let model = try ModelLoading.load(checkpoint, quiet: quiet)
        try model.validate(ids: ids)
        try model.validateGeneration(promptTokens: ids.count, newTokens: maxNewTokens)

        var stream = tokenizer.map(TextStream.init)
        let streams = !json && stream != nil
        let result = try model.generate(prompt: ids, maxNewTokens: maxNewTokens, sampler: sampler,
                                        stopToken: ignoreEOS ? nil : model.config.eosTokenID,
                                        keepStepLogits: outURL != nil, attentionLayers: attentionLayers) { token in
            guard streams else { return }
            let piece = stream!.append(token)
            if !piece.isEmpty { Self.write(piece) }
        }
        if streams {
            Self.write(stream!.finish() + "\n")
        } else if !json {
            // No tokenizer: the ids are all there is to show.
            print(result.generatedIDs.map(String.init).joined(separator: ","))
        }
        if json {
            let text = tokenizer?.decode(result.generatedIDs) ?? ""
            let list = { (values: [Int]) in "[" + values.map(String.init).joined(separator: ", ") + "]" }
            print("{\"prompt_ids\": \(list(ids)), \"generated_ids\": \(list(result.generatedIDs)), \"text\": \(JSONText.string(text))}")
        }
        if let outURL {
            try Recording(generation: result, prompt: ids, tokenStrings: strings, vocabularySize: model.config.vocabSize,
                          modelPath: self.model ?? checkpoint.directory.path,
                          config: model.config, configData: checkpoint.configData).write(to: outURL)
            if !quiet { Progress.note("wrote \(outURL.path) and \(Recording.manifestURL(for: outURL).path)") }
        }
        if !quiet {
            let prefillRate = Double(ids.count) / max(result.prefillSeconds, 1e-9)
            let decodeRate = result.decodeSteps > 0 ? String(format: "%.2f tokens/s (%d steps in %.2f s)", Double(result.decodeSteps) / max(result.decodeSeconds, 1e-9),
                                                              result.decodeSteps, result.decodeSeconds) : "no decode steps"
            Progress.note(String(format: "prompt: %d tokens (+%d meta) in %.2f s, %.1f tokens/s; decode: ", ids.count,
                                 model.config.memoryTokens, result.prefillSeconds, prefillRate) + decodeRate
                          + (result.stoppedAtEOS ? "; stopped at end of sequence" : ""))
        }
    }

    /// Writes streamed text at once (stdout is block-buffered when piped).
    private static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
