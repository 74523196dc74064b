/// Collects the tensors a `RecordingPlan` asks for during one forward pass.
///
/// The forward pass asks for a `LayerProbe` per layer; layers the plan does not mention get
/// none and run with no probing cost at all.
public final class Recorder {
    public let plan: RecordingPlan
    public let config: HymbaConfig
    private let weights: HymbaWeights
    /// Whether the first real token is the BOS (it then has its own attention-mass class).
    private(set) var firstTokenIsBOS = false
    private(set) var stored: [String: Tensor] = [:]
    /// The meta rows' part of this run's recording, when only the real rows run.
    private(set) var meta: MetaRecording?
    /// The token whose logit the last row's direct logit attribution explains; nil = the
    /// model's top prediction there (the other rows explain the next prompt token).
    public var attributionTarget: Int?
    /// This run's direct logit attribution, when the plan asks for any of it.
    private(set) var attribution: LogitAttribution?

    init(plan: RecordingPlan, model: HymbaModel) {
        self.plan = plan
        self.config = model.config
        self.weights = model.weights
    }

    /// Starts a run; `meta` is given when the run computes only the real rows.
    func begin(ids: [Int], meta: MetaRecording? = nil) {
        stored = [:]
        firstTokenIsBOS = ids.first.map { $0 == config.bosTokenID } ?? false
        self.meta = meta
        attribution = plan.wantsAttribution && !ids.isEmpty
            ? LogitAttribution(config: config, weights: weights, ids: ids, lastTarget: attributionTarget) : nil
    }

    /// The probe of layer `layer` for a run over rows `firstRow ..< rows` of the T = `rows`
    /// positions (nil when the plan records nothing there).
    func probe(layer: Int, rows: Int, firstRow: Int) -> LayerProbe? {
        // The attribution reads the final residual (its r_t and top prediction) at the last layer.
        let attributionEnd = attribution != nil && layer == config.hiddenLayers - 1
        guard attributionEnd || HookPoint.allCases.contains(where: { plan.wants($0, layer: layer) }) else { return nil }
        return LayerProbe(layer: layer, recorder: self, rows: rows, firstRow: firstRow)
    }

    func store(_ key: String, _ tensor: Tensor) { stored[key] = tensor }

    func negA(layer: Int) -> Matrix { weights.layers[layer].negAByState }

    /// The logit lens over the recorder's model (for `layers.{i}.logit_lens`).
    var lens: LogitLens { LogitLens(weights: weights, config: config) }

    /// The recorded tensors in a stable order: model keys, then layer by layer in hook order.
    public var tensors: [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for key in ModelKey.allCases { if let t = stored[key.rawValue] { out.append((key.rawValue, t)) } }
        for layer in 0..<config.hiddenLayers {
            for point in HookPoint.allCases {
                let key = point.key(layer: layer)
                if let t = stored[key] { out.append((key, t)) }
            }
        }
        return out
    }
}
