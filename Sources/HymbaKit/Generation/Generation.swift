import Foundation

/// What one `generate` run produced.
public struct GenerationResult: Sendable {
    /// The new tokens, in order (the stop token included when it was produced).
    public var generatedIDs: [Int]
    /// Row k: the logits that chose generated token k, `(new, vocab)` row-major (empty unless
    /// `keepStepLogits`).
    public var stepLogits: [Float]
    /// Wall time of the prefill and of all decode steps, in seconds.
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// Decode steps run (one fewer than the tokens: the last token is never fed back).
    public var decodeSteps: Int
    /// Whether generation ended at the stop token (else at the token budget).
    public var stoppedAtEOS: Bool
    /// `layers.{i}.attn_weights` `[H, new, P]` of the layers asked for (see `GeneratedAttention`).
    public var recorded: [(name: String, tensor: Tensor)] = []
}

extension HymbaModel {
    /// Generates up to `maxNewTokens` tokens after `prompt` with cached state:
    ///
    /// ```
    /// ℓ₀, state = prefill(prompt);   t_k = sampler(ℓ_k);   ℓ_{k+1}, state = decode(t_k, state)
    /// ```
    /// stopping after `stopToken` when it is given. `onToken` sees each new token as soon as it
    /// is chosen (for streaming). `attentionLayers` also records, for those layers, each generated
    /// token's attention over the whole context (`GeneratedAttention`). `keepStepLogits` keeps
    /// every step's logits (128 MB per 1000 tokens at Hymba's vocabulary).
    public func generate(prompt: [Int], maxNewTokens: Int, sampler: TokenSampler, stopToken: Int?,
                         keepStepLogits: Bool = true, attentionLayers: [Int] = [], onToken: (Int) -> Void = { _ in }) throws -> GenerationResult {
        for layer in attentionLayers where !(0..<config.hiddenLayers).contains(layer) {
            throw ProbeError.layerOutOfRange(item: "attn_weights@\(layer)", layer: layer, layers: config.hiddenLayers)
        }
        let attention = attentionLayers.isEmpty ? nil : GeneratedAttention(layers: attentionLayers, heads: config.attentionHeads)
        guard maxNewTokens >= 1 else { throw GenerationError.badOption("--max-new-tokens must be at least 1 (got \(maxNewTokens))") }
        try validateGeneration(promptTokens: prompt.count, newTokens: maxNewTokens)
        var sampler = sampler
        let start = Date()
        var (logits, state) = try prefill(ids: prompt, attention: attention)
        let prefillSeconds = Date().timeIntervalSince(start)
        var result = GenerationResult(generatedIDs: [], stepLogits: [], prefillSeconds: prefillSeconds, decodeSeconds: 0,
                                      decodeSteps: 0, stoppedAtEOS: false)
        if keepStepLogits { result.stepLogits.reserveCapacity(maxNewTokens * logits.count) }
        let decodeStart = Date()
        while true {
            let token = sampler.next(logits)
            result.generatedIDs.append(token)
            if keepStepLogits { result.stepLogits.append(contentsOf: logits) }
            onToken(token)
            if token == stopToken { result.stoppedAtEOS = true; break }
            if result.generatedIDs.count == maxNewTokens { break }
            logits = try decode(token: token, state: &state, attention: attention)
            result.decodeSteps += 1
        }
        result.decodeSeconds = Date().timeIntervalSince(decodeStart)
        result.recorded = attention?.tensors() ?? []
        return result
    }
}
