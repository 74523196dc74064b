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
    /// The per-layer state after the meta rows, computed on the first probe-free run (see
    /// `MetaStateCache`).
    private let metaState = MetaStateCache()
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
    /// cached meta-prefix state (identical values, computed once), and a recorder's meta rows from
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
            let prefix = cached ? self.metaPrefix(workspace) : nil
            recorder?.begin(ids: ids, meta: prefix == nil ? nil : metaRecording(for: recorder!.plan, workspace))
            var loop = LayerLoop(model: self, ids: ids, state: prefix, workspace: workspace)
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
            var loop = LayerLoop(model: self, ids: ids, state: metaPrefix(workspace), workspace: workspace)
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
            var loop = LayerLoop(model: self, ids: clean.ids, state: metaPrefix(workspace), workspace: workspace)
            loop.producedKV = clean.producedKV.filter { $0.key < first }
            var x = clean.layerInputs[first]
            for i in first..<config.hiddenLayers {
                loop.apply(layer: i, to: &x, recorder: nil, ablations: ablations)
            }
            return loop.readOut(x)
        }
    }

    /// The last row's logits `(1, vocab)` when layers `first…` run on `input` (the rows
    /// `base.layerInputs` hold) with `patches` written into layer `first`'s branch outputs; the
    /// K/V of earlier producers come from `base`. `first` = the layer count reads `input` out.
    func lastRowLogits(resumingFrom base: CleanRun, layer first: Int, input: Matrix, patches: [BranchPatch]) -> Matrix {
        workspaces.with { workspace in
            var loop = LayerLoop(model: self, ids: base.ids, state: metaPrefix(workspace), workspace: workspace)
            loop.producedKV = base.producedKV.filter { $0.key < first }
            var x = input
            for i in first..<config.hiddenLayers {
                loop.apply(layer: i, to: &x, recorder: nil, ablations: [], patches: i == first ? patches : [])
            }
            return loop.readOut(x.rows((x.rows - 1)..<x.rows), isLastRowOnly: true)
        }
    }

    /// A recorder for `plan` on this model.
    public func makeRecorder(plan: RecordingPlan) -> Recorder {
        Recorder(plan: plan, model: self)
    }

    /// The cached state after the meta rows (nil when the model has no meta tokens).
    func metaPrefix(_ workspace: ForwardWorkspace) -> CachedState? {
        guard config.memoryTokens > 0 else { return nil }
        return metaState.state {
            var loop = LayerLoop(model: self, ids: [], state: nil, workspace: workspace)
            var x = weights.metaTokens
            var layers: [LayerState] = []
            for i in 0..<config.hiddenLayers {
                layers.append(loop.apply(layer: i, to: &x, recorder: nil, ablations: [], captureState: true)!)
            }
            return CachedState(position: config.memoryTokens, metaTokens: config.memoryTokens, layers: layers)
        }
    }

    /// Runs `body` with one of the model's forward workspaces.
    func withWorkspace<R>(_ body: (ForwardWorkspace) throws -> R) rethrows -> R {
        try workspaces.with(body)
    }

    /// The meta rows' recording for `plan`, run once per plan over the meta rows alone.
    private func metaRecording(for plan: RecordingPlan, _ workspace: ForwardWorkspace) -> MetaRecording {
        metaRecordings.recording(for: plan) {
            let recorder = Recorder(plan: plan.metaRowsPlan(), model: self)
            recorder.begin(ids: [])
            var loop = LayerLoop(model: self, ids: [], state: nil, workspace: workspace)
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
    struct LayerLoop {
        let model: HymbaModel
        let rope: RotaryEmbedding?
        /// The state the rows continue (the meta prefix, or a prefill's); nil runs from row 0,
        /// meta rows included.
        let state: CachedState?
        /// Absolute row of the first row the loop computes (the state's position, else 0).
        let firstRow: Int
        /// The rows are one cached decode step (the decode sliding-window rule).
        let isDecodeStep: Bool
        var producedKV: [Int: HybridBlock.KeyValues] = [:]
        /// Collects the last row's attention of chosen layers (generate's recording).
        var attention: GeneratedAttention?
        /// Where the layers keep their intermediates (valid while the forward pass runs).
        let workspace: ForwardWorkspace

        init(model: HymbaModel, ids: [Int], state: CachedState?, isDecodeStep: Bool = false, workspace: ForwardWorkspace) {
            self.model = model
            self.state = state
            self.isDecodeStep = isDecodeStep
            self.workspace = workspace
            firstRow = state?.position ?? 0
            let end = (state?.position ?? model.config.memoryTokens) + ids.count
            rope = model.config.rope ? RotaryEmbedding(config: model.config, positions: firstRow..<end) : nil
        }

        /// `[meta tokens; embed(ids)]`, or only `embed(ids)` when the rows continue a state.
        func embed(_ ids: [Int]) -> Matrix {
            let d = model.config.hiddenSize
            let meta = state == nil ? model.weights.metaTokens : Matrix(rows: 0, cols: d)
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
            let first = (state == nil && !isLastRowOnly) ? model.config.memoryTokens : 0
            let realRows = x.rows(first..<x.rows)
            let normed = rmsNorm(realRows, weight: model.weights.finalNorm, eps: model.config.rmsNormEps)
            return BLAS.linear(normed, model.weights.lmHead)
        }

        @discardableResult
        mutating func apply(layer i: Int, to x: inout Matrix, recorder: Recorder?, ablations: [Ablation],
                            captureState: Bool = false, patches: [BranchPatch] = []) -> LayerState? {
            let config = model.config
            let block = HybridBlock(index: i, weights: model.weights.layers[i], config: config)
            var context = HybridBlock.Context(rope: rope, firstRow: firstRow, isDecodeStep: isDecodeStep)
            if case .consumer(let producer) = config.kvRole(layer: i) { context.sharedKV = producedKV[producer] }
            context.state = state?.layers[i]
            context.probe = recorder?.probe(layer: i, rows: firstRow + x.rows, firstRow: firstRow)
            context.ablations = ablations.filter { $0.layer == i }.map(\.target)
            context.captureState = captureState
            context.patches = patches
            let row = attention?.observer(layer: i, row: firstRow + x.rows - 1)
            context.attentionObserver = row
            let output = x.withMutableView { block.apply($0, context: context, workspace: workspace) }
            row?.finish()
            if case .producer = config.kvRole(layer: i) { producedKV[i] = output.keyValues }
            return output.state
        }
    }
}
