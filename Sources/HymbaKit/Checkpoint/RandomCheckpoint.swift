import Foundation

/// Writes a random-weight Hymba checkpoint in the Hugging Face layout and names, so benchmarks
/// and tests can run at any shape (e.g. the real 1.5B config cut to a few layers) without the
/// real weights.
///
/// Initialisation follows the reference: Linear and embedding weights N(0, initializer_range),
/// norms 1, meta tokens N(0, 1), and Mamba's S4D-real / dt init for the SSM —
/// `A_log[e, n] = log(n + 1)`, `D = 1`, and `dt_bias = softplus⁻¹(dt)` with
/// `dt ~ LogUniform(0.001, 0.1)` floored at 1e-4; conv1d and dt_proj uniform with PyTorch's
/// default bounds (1/√K and R^-½).
public enum RandomCheckpoint {
    /// Rewrites a config.json for its first `layers` layers: layer lists are cut to the layers
    /// that remain.
    ///
    /// - Throws: when `layers` is not between 1 and the config's own layer count (the cut keeps
    ///   layers; it cannot invent any).
    public static func configJSON(from original: Data, layers: Int?, dtype: DType) throws -> Data {
        guard var json = (try? JSONSerialization.jsonObject(with: original)) as? [String: Any] else {
            throw CheckpointError.invalidConfigJSON(path: "config", reason: "not a JSON object")
        }
        if let layers {
            let available = json["num_hidden_layers"] as? Int
            guard layers > 0, available.map({ layers <= $0 }) ?? true else {
                throw CheckpointError.invalidConfigValue(
                    key: "num_hidden_layers", value: "\(layers)",
                    reason: "--layers keeps the first N layers, so N must be between 1 and the config's \(available ?? 0)")
            }
            json["num_hidden_layers"] = layers
            if let global = json["global_attn_idx"] as? [Int] { json["global_attn_idx"] = global.filter { $0 < layers } }
            if let groups = json["kv_reuse_group"] as? [[Int]] {
                json["kv_reuse_group"] = groups.map { $0.filter { $0 < layers } }.filter { $0.count >= 2 }
            }
            if let kinds = json["layer_type"] as? [Any] { json["layer_type"] = Array(kinds.prefix(layers)) }
            if let conv = json["conv_dim"] as? [String: Any] {
                json["conv_dim"] = conv.filter { (Int($0.key) ?? 0) < layers }
            }
        }
        json["torch_dtype"] = dtype == .bf16 ? "bfloat16" : (dtype == .f16 ? "float16" : "float32")
        return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    }

    /// Writes `config.json` and `model.safetensors` into `directory`.
    /// - Parameter progress: called with (tensors written, total).
    public static func write(configData: Data, to directory: URL, seed: UInt64, dtype: DType,
                             progress: ((Int, Int) -> Void)? = nil) throws {
        try write(configData: configData, configURL: directory.appendingPathComponent("config.json"),
                  weightsURL: directory.appendingPathComponent("model.safetensors"), seed: seed, dtype: dtype,
                  progress: progress)
    }

    /// Writes the config and the weights to the given files (e.g. inside a staging folder).
    public static func write(configData: Data, configURL: URL, weightsURL: URL, seed: UInt64, dtype: DType,
                             progress: ((Int, Int) -> Void)? = nil) throws {
        let config = try HymbaConfig(json: configData)
        let plan = tensorPlan(config)
        let json = try? JSONSerialization.jsonObject(with: configData) as? [String: Any]
        let std = Float((json?["initializer_range"] as? Double) ?? 0.02)
        var random = SplitMix64(seed: seed)
        let entries = plan.map { SafeTensorsStreamWriter.Entry(name: $0.name, dtype: dtype, shape: $0.shape) }
        let writer = try SafeTensorsStreamWriter(url: weightsURL,
                                                 entries: entries, metadata: ["format": "pt"])
        for (index, tensor) in plan.enumerated() {
            try writer.append(values(for: tensor, config: config, std: std, random: &random))
            progress?(index + 1, plan.count)
        }
        try writer.finish()
        try AtomicFileWriter.write(configData, to: configURL)
    }

    /// The size of the `model.safetensors` that `write` produces for `config` (header aside).
    public static func storedBytes(config: HymbaConfig, dtype: DType) -> Int {
        tensorPlan(config).reduce(0) { $0 + $1.shape.reduce(1, *) } * dtype.size
    }

    enum Initializer {
        case normal(Float), ones, uniform(Float), aLog, skipD, dtBias
    }

    struct PlannedTensor {
        let name: String
        let shape: [Int]
        let initializer: Initializer
    }

    static func tensorPlan(_ c: HymbaConfig) -> [PlannedTensor] {
        let d = c.hiddenSize, e = c.innerSize, n = c.stateSize, r = c.dtRank, k = c.convWidth, f = c.intermediateSize
        let kv = c.keyValueHeads * c.headDim + c.keyValueHeads * c.valueHeadDim
        var plan = [PlannedTensor(name: WeightNames.embedding, shape: [c.vocabSize, d], initializer: .normal(-1))]
        if c.memoryTokens > 0 {
            plan.append(.init(name: WeightNames.metaTokens, shape: [c.memoryTokens, d], initializer: .normal(1)))
        }
        for i in 0..<c.hiddenLayers {
            let l = WeightNames.Layer(i)
            let width = d + (c.kvRole(layer: i).computesKV ? kv : 0) + 2 * e
            plan += [
                .init(name: l.inputNorm, shape: [d], initializer: .ones),
                .init(name: l.inProj, shape: [width, d], initializer: .normal(-1)),
                .init(name: l.convWeight, shape: [e, 1, k], initializer: .uniform(1 / Float(k).squareRoot())),
                .init(name: l.convBias, shape: [e], initializer: .uniform(1 / Float(k).squareRoot())),
                .init(name: l.xProj, shape: [r + 2 * n, e], initializer: .normal(-1)),
                .init(name: l.dtProj, shape: [e, r], initializer: .uniform(1 / Float(r).squareRoot())),
                .init(name: l.dtBias, shape: [e], initializer: .dtBias),
                .init(name: l.aLog, shape: [e, n], initializer: .aLog),
                .init(name: l.skipD, shape: [e], initializer: .skipD),
                .init(name: l.dtNorm, shape: [r], initializer: .ones),
                .init(name: l.bNorm, shape: [n], initializer: .ones),
                .init(name: l.cNorm, shape: [n], initializer: .ones),
                .init(name: l.attentionNorm, shape: [e], initializer: .ones),
                .init(name: l.ssmNorm, shape: [e], initializer: .ones),
                .init(name: l.outProj, shape: [d, e], initializer: .normal(-1)),
                .init(name: l.mlpNorm, shape: [d], initializer: .ones),
                .init(name: l.gateProj, shape: [f, d], initializer: .normal(-1)),
                .init(name: l.upProj, shape: [f, d], initializer: .normal(-1)),
                .init(name: l.downProj, shape: [d, f], initializer: .normal(-1)),
            ]
        }
        plan.append(.init(name: WeightNames.finalNorm, shape: [d], initializer: .ones))
        if !c.tieWordEmbeddings {
            plan.append(.init(name: WeightNames.lmHead, shape: [c.vocabSize, d], initializer: .normal(-1)))
        }
        return plan
    }

    /// `.normal(-1)` means "N(0, initializer_range)".
    private static func values(for tensor: PlannedTensor, config: HymbaConfig, std: Float, random: inout SplitMix64) -> [Float] {
        let count = tensor.shape.reduce(1, *)
        switch tensor.initializer {
        case .normal(let sigma):
            let s = sigma < 0 ? std : sigma
            return (0..<count).map { _ in random.normal() * s }
        case .ones:
            return [Float](repeating: 1, count: count)
        case .uniform(let bound):
            return (0..<count).map { _ in (random.unit() * 2 - 1) * bound }
        case .aLog:
            let n = config.stateSize
            return (0..<count).map { Float(Foundation.log(Double($0 % n + 1))) }
        case .skipD:
            return [Float](repeating: 1, count: count)
        case .dtBias:
            return (0..<count).map { _ in
                let logMin = Foundation.log(0.001), logMax = Foundation.log(0.1)
                let dt = max(1e-4, Foundation.exp(Double(random.unit()) * (logMax - logMin) + logMin))
                return Float(dt + Foundation.log(-Foundation.expm1(-dt)))    // softplus⁻¹(dt)
            }
        }
    }
}

/// A small, fast, seedable generator (SplitMix64) so `init --seed S` is reproducible everywhere.
struct SplitMix64 {
    private var state: UInt64
    private var spare: Float?

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Float { Float(next() >> 40) * (1 / Float(1 << 24)) }

    /// Standard normal (Box–Muller, both values used).
    mutating func normal() -> Float {
        if let value = spare { spare = nil; return value }
        let u1 = max(Double(next() >> 11) * (1 / Double(1 << 53)), 1e-300)
        let u2 = Double(next() >> 11) * (1 / Double(1 << 53))
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        spare = Float(radius * Foundation.sin(2 * .pi * u2))
        return Float(radius * Foundation.cos(2 * .pi * u2))
    }
}
