import Foundation

extension Recording {
    /// The recording of a `generate` run (docs/generation.md, "Recording"):
    ///
    /// | key | shape | meaning |
    /// |---|---|---|
    /// | `input_ids` | [n] | the prompt |
    /// | `generated_ids` | [new] | the tokens generated, in order |
    /// | `step_logits` | [new, vocab] | row k: the logits that chose generated token k |
    /// | `layers.{i}.attn_weights` | [H, new, P] | row k: that row's attention over all P = M + n + new − 1 positions |
    ///
    /// The manifest's tokens are the prompt's; `positions` counts the meta rows and every row
    /// the model ran (the prompt and the fed-back generated tokens).
    public init(generation result: GenerationResult, prompt ids: [Int], tokenStrings: [String]?, vocabularySize: Int,
                modelPath: String, config: HymbaConfig, configData: Data) {
        let tensors: [(name: String, tensor: Tensor)] = [
            ("input_ids", Tensor(shape: [ids.count], integers: ids.map(Int64.init))),
            ("generated_ids", Tensor(shape: [result.generatedIDs.count], integers: result.generatedIDs.map(Int64.init))),
            ("step_logits", Tensor(shape: [result.generatedIDs.count, vocabularySize], floats: result.stepLogits)),
        ] + result.recorded
        let manifest = RecordingManifest(
            created: ISO8601DateFormatter().string(from: Date()), model: modelPath,
            configSHA256: SHA256.hex(configData), metaTokens: config.memoryTokens, realTokens: ids.count,
            positions: config.memoryTokens + ids.count + result.decodeSteps,
            tokens: .init(ids: ids, strings: tokenStrings),
            plan: (["step_logits"] + result.recorded.map(\.name)).joined(separator: ","),
            legend: "generate: input_ids [n] the prompt, generated_ids [new], step_logits [new, vocab] (row k holds the logits that chose generated token k), layers.{i}.attn_weights [H, new, P] (row k: that query row's attention over all P = M + n + new - 1 positions, meta first)",
            tensors: tensors.map { .init(name: $0.name, shape: $0.tensor.shape, dtype: $0.tensor.dtype.rawValue) })
        self.init(tensors: tensors, manifest: manifest)
    }
}
