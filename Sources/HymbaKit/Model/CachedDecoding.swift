/// Generation with cached state, as the reference's `generate(use_cache=True)` does it:
///
/// ```
/// state₀           = the meta-prefix state (the M meta rows, run once per model)
/// logits, state    = prefill(prompt):  the n prompt rows on top of state₀ (prefill mask, W+1 rows)
/// logits, state'   = decode(token, state):  one row at position state.position, decode mask (W rows)
/// ```
/// Each call runs only its new rows: every layer continues from its `LayerState` (K/V so far,
/// conv tail, SSM state) and hands back the advanced one. Positions continue across calls; the
/// meta tokens are never run again. docs/generation.md has the definitions.
extension HymbaModel {
    /// Runs the prompt and returns the logits of its last row `(vocab)` (the next-token
    /// prediction) and the state after it, for `decode(token:state:)`.
    ///
    /// The prompt rows use the prefill mask: the logits equal `forward(ids:)`'s last row.
    public func prefill(ids: [Int]) throws -> (logits: [Float], state: CachedState) {
        try prefill(ids: ids, attention: nil)
    }

    /// `prefill`, handing the last row's attention to `attention` when given.
    func prefill(ids: [Int], attention: GeneratedAttention?) throws -> (logits: [Float], state: CachedState) {
        try validate(ids: ids)
        return withWorkspace { workspace in
            let start = metaPrefix(workspace) ?? CachedState(emptyFor: config)
            var loop = LayerLoop(model: self, ids: ids, state: start, workspace: workspace)
            loop.attention = attention
            let (logits, layers) = loop.run(ids)
            return (logits, CachedState(position: start.position + ids.count, metaTokens: config.memoryTokens, layers: layers))
        }
    }

    /// Runs one token at the state's position and advances the state by that row; returns its
    /// logits `(vocab)`.
    ///
    /// The row attends with the decode mask (a sliding layer sees the meta keys and the last W
    /// real keys, the new one included; see `AttentionMask.decoding`).
    public func decode(token: Int, state: inout CachedState) throws -> [Float] {
        try decode(token: token, state: &state, attention: nil)
    }

    /// `decode`, handing the row's attention to `attention` when given.
    func decode(token: Int, state: inout CachedState, attention: GeneratedAttention?) throws -> [Float] {
        guard (0..<config.vocabSize).contains(token) else {
            throw ProbeError.tokenOutOfRange(id: token, position: state.tokens, vocabularySize: config.vocabSize)
        }
        guard state.position < config.maxPositionEmbeddings else {
            throw ProbeError.tooLong(tokens: state.position + 1, limit: config.maxPositionEmbeddings)
        }
        precondition(state.layers.count == config.hiddenLayers && state.metaTokens == config.memoryTokens,
                     "decode: the state was made by a different model")
        let before = state
        let (logits, layers) = withWorkspace { workspace in
            var loop = LayerLoop(model: self, ids: [token], state: before, isDecodeStep: true, workspace: workspace)
            loop.attention = attention
            return loop.run([token])
        }
        state = CachedState(position: before.position + 1, metaTokens: before.metaTokens, layers: layers)
        return logits
    }

    /// Checks that a prompt of `promptTokens` plus `newTokens` generated ones fits the model's
    /// positions (the last generated token is never run, so it needs no position).
    public func validateGeneration(promptTokens: Int, newTokens: Int) throws {
        let needed = config.memoryTokens + promptTokens + max(0, newTokens - 1)
        if needed > config.maxPositionEmbeddings {
            throw ProbeError.generationTooLong(prompt: promptTokens, newTokens: newTokens, metaTokens: config.memoryTokens,
                                               limit: config.maxPositionEmbeddings)
        }
    }
}

extension HymbaModel.LayerLoop {
    /// Every layer over `ids`' rows, keeping each layer's state after them; the logits of the
    /// last row and the states.
    mutating func run(_ ids: [Int]) -> (logits: [Float], layers: [LayerState]) {
        var x = embed(ids)
        var layers: [LayerState] = []
        layers.reserveCapacity(model.config.hiddenLayers)
        for i in 0..<model.config.hiddenLayers {
            layers.append(apply(layer: i, to: &x, recorder: nil, ablations: [], captureState: true)!)
        }
        return (readOut(x.rows((x.rows - 1)..<x.rows), isLastRowOnly: true).storage, layers)
    }
}
