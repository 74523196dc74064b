import Foundation

/// Which logit rows `forward` computes.
public enum LogitRows: Sendable {
    case all
    case last
}

/// A Hymba model ready to run: validated config and fp32 weights.
///
/// The prefill forward (docs/forward.md) reads top to bottom:
/// ```
/// X = [meta tokens; embed(ids)]                         (T, D), T = M + n
/// for each layer: X = HybridBlock(X)                    attention ‖ SSM → norm → average → out_proj; MLP
/// logits = RMSNorm(X)[M...] · lm_headᵀ                  (n, vocab)
/// ```
public struct HymbaModel: Sendable {
    public let config: HymbaConfig
    public let weights: HymbaWeights
    /// The meta rows' per-layer state, computed on the first probe-free run (see `MetaPrefix`).
    private let metaPrefix = MetaPrefixCache()
    /// The meta rows' part of recordings, per plan (see `MetaRecording`).
    private let metaRecordings = MetaRecordingCache()
    /// Scratch buffers reused by every forward pass (see `ForwardWorkspace`).
    private let workspaces = WorkspacePool()

    public init(config: HymbaConfig, weights: HymbaWeights) {
        self.config = config
        self.weights = weights
    }

    /// Loads a checkpoint folder. Warns once per process on standard error when OpenBLAS runs an
    /// older kernel family than the CPU supports (see `BLASCore`).
    public init(checkpoint: Checkpoint, progress: ((Int, Int) -> Void)? = nil) throws {
        BLASCore.warnOnce()
        self.init(config: checkpoint.config, weights: try HymbaWeights(checkpoint: checkpoint, progress: progress))
    }

    /// The same weights without meta tokens (M = 0): masks and positions adapt, so one can see
    /// where attention goes when there is no meta token to absorb it.
    public func withoutMetaTokens() -> HymbaModel {
        var config = self.config
        config.memoryTokens = 0
        var weights = self.weights
        weights.metaTokens = Matrix(rows: 0, cols: config.hiddenSize)
        return HymbaModel(config: config, weights: weights)
    }

    /// Checks a prompt before running it.
    public func validate(ids: [Int]) throws {
        guard !ids.isEmpty else { throw ProbeError.emptyInput }
        for (position, id) in ids.enumerated() where !(0..<config.vocabSize).contains(id) {
            throw ProbeError.tokenOutOfRange(id: id, position: position, vocabularySize: config.vocabSize)
        }
        let rows = ids.count + config.memoryTokens
        if rows > config.maxPositionEmbeddings {
            throw ProbeError.tooLong(tokens: rows, limit: config.maxPositionEmbeddings)
        }
    }

    /// Runs the prompt and returns the logits of its `n` real tokens, `(n, vocab)`.
    ///
    /// Only the n real rows are computed: the meta rows' contribution comes from the model's
    /// cached `MetaPrefix` (identical values, computed once), and a recorder's meta rows from
    /// the cached `MetaRecording` of its plan. With ablations and a recorder all T rows run, so
    /// that the recorded meta rows are the ablated ones.
    ///
    /// - Parameters:
    ///   - recorder: receives what its plan asks for; nil runs with no probes.
    ///   - ablations: components to zero (any layers).
    ///   - logitRows: `.all` (default) or `.last` — the last row only, when the caller needs just
    ///     the next-token prediction (the full `(n, vocab)` matrix is 250 MB at 2048 tokens).
    ///     A recorder whose plan records `logits` always gets all rows.
    ///   - progress: called after each layer with (layers done, layers), on the calling thread.
    public func forward(ids: [Int], recorder: Recorder? = nil, ablations: [Ablation] = [],
                        logitRows: LogitRows = .all, progress: ((Int, Int) -> Void)? = nil) throws -> Matrix {
        try forward(ids: ids, recorder: recorder, ablations: ablations, logitRows: logitRows, progress: progress,
                    metaRows: .cached)
    }

    /// Where a forward pass gets the meta rows from.
    enum MetaRows {
        /// The prefix caches wherever they give the same result.
        case cached
        /// Computed with the real rows (the reference path the caches are tested against).
        case computed
    }

    func forward(ids: [Int], recorder: Recorder?, ablations: [Ablation], logitRows: LogitRows,
                 progress: ((Int, Int) -> Void)?, metaRows: MetaRows) throws -> Matrix {
        try validate(ids: ids)
        try validate(ablations)
        let wantsAll = logitRows == .all || (recorder?.plan.wants(.logits) ?? false)
        let logits = workspaces.with { workspace in
            let cached = metaRows == .cached && (recorder == nil || ablations.isEmpty)
            let prefix = cached ? self.prefix(workspace) : nil
            recorder?.begin(ids: ids, meta: prefix == nil ? nil : metaRecording(for: recorder!.plan, workspace))
            var loop = LayerLoop(model: self, ids: ids, prefix: prefix, workspace: workspace)
            var x = loop.embed(ids)
            for i in 0..<config.hiddenLayers {
                loop.apply(layer: i, to: &x, recorder: recorder, ablations: ablations)
                progress?(i + 1, config.hiddenLayers)
            }
            return loop.readOut(wantsAll ? x : x.rows((x.rows - 1)..<x.rows), isLastRowOnly: !wantsAll)
        }
        if let recorder {
            if recorder.plan.wants(.inputIDs) {
                recorder.store(ModelKey.inputIDs.rawValue, Tensor(shape: [ids.count], integers: ids.map(Int64.init)))
            }
            if recorder.plan.wants(.logits) { recorder.store(ModelKey.logits.rawValue, Tensor(logits)) }
        }
        return logits
    }

    /// An unablated run that keeps every layer's input and the shared K/V, for `forward(resumingFrom:)`.
    public func cleanRun(ids: [Int]) throws -> CleanRun {
        try validate(ids: ids)
        return workspaces.with { workspace in
            var loop = LayerLoop(model: self, ids: ids, prefix: prefix(workspace), workspace: workspace)
            var x = loop.embed(ids)
            var inputs: [Matrix] = []
            for i in 0..<config.hiddenLayers {
                inputs.append(x)
                loop.apply(layer: i, to: &x, recorder: nil, ablations: [])
            }
            return CleanRun(ids: ids, logits: loop.readOut(x), layerInputs: inputs, producedKV: loop.producedKV)
        }
    }

    /// The logits with `ablations` applied, recomputing only from the first ablated layer on:
    /// earlier layers are unchanged, so their outputs (and K/V) come from `clean`.
    public func forward(resumingFrom clean: CleanRun, ablations: [Ablation]) throws -> Matrix {
        try validate(ablations)
        guard let first = ablations.map(\.layer).min() else { return clean.logits }
        return workspaces.with { workspace in
            var loop = LayerLoop(model: self, ids: clean.ids, prefix: prefix(workspace), workspace: workspace)
            loop.producedKV = clean.producedKV.filter { $0.key < first }
            var x = clean.layerInputs[first]
            for i in first..<config.hiddenLayers {
                loop.apply(layer: i, to: &x, recorder: nil, ablations: ablations)
            }
            return loop.readOut(x)
        }
    }

    /// A recorder for `plan` on this model.
    public func makeRecorder(plan: RecordingPlan) -> Recorder {
        Recorder(plan: plan, model: self)
    }

    /// The cached meta-row state (nil when the model has no meta tokens).
    private func prefix(_ workspace: ForwardWorkspace) -> MetaPrefix? {
        guard config.memoryTokens > 0 else { return nil }
        return metaPrefix.prefix {
            var loop = LayerLoop(model: self, ids: [], prefix: nil, workspace: workspace)
            var x = weights.metaTokens
            var layers: [MetaPrefix.Layer] = []
            for i in 0..<config.hiddenLayers {
                layers.append(loop.apply(layer: i, to: &x, recorder: nil, ablations: [], capturePrefix: true)!)
            }
            return MetaPrefix(layers: layers)
        }
    }

    /// The meta rows' recording for `plan`, run once per plan over the meta rows alone.
    private func metaRecording(for plan: RecordingPlan, _ workspace: ForwardWorkspace) -> MetaRecording {
        metaRecordings.recording(for: plan) {
            let recorder = Recorder(plan: plan.metaRowsPlan(), model: self)
            recorder.begin(ids: [])
            var loop = LayerLoop(model: self, ids: [], prefix: nil, workspace: workspace)
            var x = weights.metaTokens
            for i in 0..<config.hiddenLayers { loop.apply(layer: i, to: &x, recorder: recorder, ablations: []) }
            return MetaRecording(tensors: recorder.stored)
        }
    }

    private func validate(_ ablations: [Ablation]) throws {
        for ablation in ablations {
            guard (0..<config.hiddenLayers).contains(ablation.layer) else {
                throw ProbeError.layerOutOfRange(item: ablation.description, layer: ablation.layer, layers: config.hiddenLayers)
            }
            switch ablation.target {
            case .attentionHead(let h), .ssmHead(let h):
                guard (0..<config.attentionHeads).contains(h) else {
                    throw ProbeError.headOutOfRange(item: ablation.description, head: h, heads: config.attentionHeads)
                }
            default: break
            }
        }
    }

    /// Per-run state of the layer loop: RoPE tables, which rows run, and the K/V producers hand
    /// to consumers.
    private struct LayerLoop {
        let model: HymbaModel
        let rope: RotaryEmbedding?
        /// Meta rows' state when only the real rows run.
        let prefix: MetaPrefix?
        /// Absolute row of the first row the loop computes (M on the real-rows-only path).
        let firstRow: Int
        var producedKV: [Int: HybridBlock.KeyValues] = [:]
        /// Where the layers keep their intermediates (valid while the forward pass runs).
        let workspace: ForwardWorkspace

        init(model: HymbaModel, ids: [Int], prefix: MetaPrefix?, workspace: ForwardWorkspace) {
            self.model = model
            self.prefix = prefix
            self.workspace = workspace
            let m = model.config.memoryTokens
            firstRow = prefix == nil ? 0 : m
            rope = model.config.rope ? RotaryEmbedding(config: model.config, positions: m + ids.count) : nil
        }

        /// `[meta tokens; embed(ids)]`, or only `embed(ids)` when the meta rows come from the prefix.
        func embed(_ ids: [Int]) -> Matrix {
            let d = model.config.hiddenSize
            let meta = prefix == nil ? model.weights.metaTokens : Matrix(rows: 0, cols: d)
            var x = Matrix(rows: meta.rows + ids.count, cols: d)
            x.storage.withUnsafeMutableBufferPointer { xp in
                meta.storage.withUnsafeBufferPointer { mp in
                    if meta.rows > 0 { xp.baseAddress!.update(from: mp.baseAddress!, count: meta.count) }
                }
                model.weights.embedding.storage.withUnsafeBufferPointer { table in
                    for (j, id) in ids.enumerated() {
                        (xp.baseAddress! + (meta.rows + j) * d).update(from: table.baseAddress! + id * d, count: d)
                    }
                }
            }
            return x
        }

        /// Final norm over the real rows and the LM head, `(n, vocab)` (or of `x`'s one row when
        /// `isLastRowOnly`).
        func readOut(_ x: Matrix, isLastRowOnly: Bool = false) -> Matrix {
            let first = (prefix == nil && !isLastRowOnly) ? model.config.memoryTokens : 0
            let realRows = x.rows(first..<x.rows)
            let normed = rmsNorm(realRows, weight: model.weights.finalNorm, eps: model.config.rmsNormEps)
            return BLAS.linear(normed, model.weights.lmHead)
        }

        @discardableResult
        mutating func apply(layer i: Int, to x: inout Matrix, recorder: Recorder?, ablations: [Ablation],
                            capturePrefix: Bool = false) -> MetaPrefix.Layer? {
            let config = model.config
            let block = HybridBlock(index: i, weights: model.weights.layers[i], config: config)
            var context = HybridBlock.Context(rope: rope, firstRow: firstRow)
            if case .consumer(let producer) = config.kvRole(layer: i) { context.sharedKV = producedKV[producer] }
            context.prefix = prefix?.layers[i]
            context.probe = recorder?.probe(layer: i, rows: firstRow + x.rows, firstRow: firstRow)
            context.ablations = ablations.filter { $0.layer == i }.map(\.target)
            context.capturePrefix = capturePrefix
            let output = x.withMutableView { block.apply($0, context: context, workspace: workspace) }
            if case .producer = config.kvRole(layer: i) { producedKV[i] = output.keyValues }
            return output.prefix
        }
    }
}
