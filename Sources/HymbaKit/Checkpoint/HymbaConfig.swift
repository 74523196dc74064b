import Foundation

/// A Hymba `config.json`, decoded with the reference's defaults for absent keys and validated
/// once, with errors that name the key and the bad value.
///
/// `CodingKeys` mirror config.json. Keys the forward pass does not use (`conv_dim`, `layer_type`,
/// `v_head_dim`, `seq_length`, router/MoE keys, …) are accepted and ignored. Keys whose other
/// values would change the math in ways the reference does not support for released models
/// (`kq_norm`, `num_experts`, `attn_hidden_size`, …) are checked and rejected by name.
public struct HymbaConfig: Decodable, Equatable, Sendable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var hiddenLayers: Int
    public var attentionHeads: Int
    public var keyValueHeads: Int
    public var rmsNormEps: Float
    public var tieWordEmbeddings: Bool
    /// `nil` makes every layer global.
    public var slidingWindow: Int?
    public var globalAttentionLayers: [Int]
    /// Lists of layers; the first of each list produces K/V, the rest reuse them.
    public var kvReuseGroups: [[Int]]
    public var memoryTokens: Int
    public var stateSize: Int
    public var convWidth: Int
    public var expand: Int
    public var dtRank: Int
    public var rope: Bool
    public var ropeTheta: Double
    public var ropeType: RopeType
    public var maxPositionEmbeddings: Int
    public var origMaxPositionEmbeddings: Int?
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var torchDType: String?

    public enum RopeType: String, Sendable {
        case standard = "default"
        case ntk
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case hiddenLayers = "num_hidden_layers"
        case attentionHeads = "num_attention_heads"
        case keyValueHeads = "num_key_value_heads"
        case rmsNormEps = "rms_norm_eps"
        case tieWordEmbeddings = "tie_word_embeddings"
        case slidingWindow = "sliding_window"
        case globalAttentionLayers = "global_attn_idx"
        case kvReuseGroups = "kv_reuse_group"
        case kvReuseEveryILayer = "kv_reuse_every_i_layer"
        case kvWeightReuse = "kv_weight_reuse"
        case memoryTokens = "num_memory_tokens"
        case memoryTokensInterspersedEvery = "memory_tokens_interspersed_every"
        case stateSize = "mamba_d_state"
        case convWidth = "mamba_d_conv"
        case expand = "mamba_expand"
        case dtRank = "mamba_dt_rank"
        case convBias = "mamba_conv_bias"
        case projBias = "mamba_proj_bias"
        case innerLayernorms = "mamba_inner_layernorms"
        case numMamba = "num_mamba"
        case rope
        case ropeTheta = "rope_theta"
        case ropeType = "rope_type"
        case maxPositionEmbeddings = "max_position_embeddings"
        case origMaxPositionEmbeddings = "orig_max_position_embeddings"
        case kqNorm = "kq_norm"
        case attnHiddenSize = "attn_hidden_size"
        case kqHeadDim = "kq_head_dim"
        case numExperts = "num_experts"
        case hiddenAct = "hidden_act"
        case mlpHiddenAct = "mlp_hidden_act"
        case modelType = "model_type"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
        case torchDType = "torch_dtype"
    }

    // MARK: Derived sizes (docs/forward.md)

    /// Query/key head dimension `hd = D / H`.
    public var headDim: Int { hiddenSize / attentionHeads }
    /// Mamba inner width `E = expand · D`.
    public var innerSize: Int { expand * hiddenSize }
    /// Value head dimension `vd = E / H` (config's `v_head_dim` is ignored, as in the reference).
    public var valueHeadDim: Int { innerSize / attentionHeads }
    /// Query heads per KV head.
    public var groupSize: Int { attentionHeads / keyValueHeads }

    /// RoPE base after Hymba's NTK rescale (float64):
    /// `θ · (2·max_pos / orig_max_pos − 1)^(hd / (hd − 2))`; `rope_theta` itself for "default".
    public var ropeBase: Double {
        switch ropeType {
        case .standard:
            return ropeTheta
        case .ntk:
            let hd = Double(headDim)
            let ratio = 2 * Double(maxPositionEmbeddings) / Double(origMaxPositionEmbeddings ?? maxPositionEmbeddings) - 1
            return ropeTheta * Foundation.pow(ratio, hd / (hd - 2))
        }
    }

    // MARK: Decoding

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let read = ConfigReader(container: c)
        vocabSize = try read.required(.vocabSize)
        hiddenSize = try read.required(.hiddenSize)
        intermediateSize = try read.required(.intermediateSize)
        hiddenLayers = try read.required(.hiddenLayers)
        attentionHeads = try read.required(.attentionHeads)
        keyValueHeads = try read.optional(.keyValueHeads) ?? attentionHeads
        rmsNormEps = try read.optional(.rmsNormEps) ?? 1e-6
        tieWordEmbeddings = try read.optional(.tieWordEmbeddings) ?? false
        slidingWindow = try read.optional(.slidingWindow)
        globalAttentionLayers = try read.optional(.globalAttentionLayers) ?? []
        kvReuseGroups = try read.optional(.kvReuseGroups) ?? []
        memoryTokens = try read.optional(.memoryTokens) ?? 0
        stateSize = try read.optional(.stateSize) ?? 16
        convWidth = try read.optional(.convWidth) ?? 4
        expand = try read.optional(.expand) ?? 2
        rope = try read.optional(.rope) ?? false
        ropeTheta = try read.optional(.ropeTheta) ?? 10_000
        maxPositionEmbeddings = try read.optional(.maxPositionEmbeddings) ?? 262_144
        origMaxPositionEmbeddings = try read.optional(.origMaxPositionEmbeddings)
        bosTokenID = try read.optional(.bosTokenID)
        eosTokenID = try read.optional(.eosTokenID)
        torchDType = try read.optional(.torchDType)

        switch try read.optional(.ropeType) as String? {
        case nil, "default": ropeType = .standard
        case "ntk": ropeType = .ntk
        case let other?:
            throw CheckpointError.unsupportedConfig(key: "rope_type", value: "\"\(other)\"", reason: "only \"ntk\" and \"default\" (or null) are implemented")
        }

        // `mamba_dt_rank` is an integer or "auto" (= ceil(D / 16)).
        if let rank: Int = try? c.decode(Int.self, forKey: .dtRank) {
            dtRank = rank
        } else if let text: String = try read.optional(.dtRank) {
            guard text == "auto" else {
                throw CheckpointError.invalidConfigValue(key: "mamba_dt_rank", value: "\"\(text)\"", reason: "expected an integer or \"auto\"")
            }
            dtRank = (hiddenSize + 15) / 16
        } else {
            dtRank = (hiddenSize + 15) / 16
        }

        // Keys that must hold the released model's value: anything else changes the math.
        if let kind: String = try read.optional(.modelType), kind != "hymba" {
            throw CheckpointError.unsupportedConfig(key: "model_type", value: "\"\(kind)\"", reason: "expected \"hymba\"")
        }
        let kqNorm: String? = try read.optional(.kqNorm)
        guard kqNorm == "none" else {
            throw CheckpointError.unsupportedConfig(key: "kq_norm", value: kqNorm.map { "\"\($0)\"" } ?? "null",
                                                    reason: "only \"none\" is supported (the reference raises on a missing kq_norm)")
        }
        try read.expect(.attnHiddenSize, -1, "a separate attention width is not used by Hymba checkpoints")
        try read.expect(.kqHeadDim, -1, "a separate key/query head size is not used by Hymba checkpoints")
        try read.expect(.numExperts, 1, "mixture-of-experts MLPs are not implemented")
        try read.expect(.numMamba, 1, "one SSM per layer is implemented")
        try read.expect(.memoryTokensInterspersedEvery, 0, "interspersed meta tokens are not implemented")
        try read.expect(.convBias, true, "the conv1d bias is part of the forward")
        try read.expect(.projBias, false, "in_proj/out_proj biases are not implemented")
        try read.expect(.innerLayernorms, true, "the dt/B/C RMSNorms are part of the forward")
        try read.expect(.kvWeightReuse, false, "shared K/V weights are not implemented")
        try read.expect(.hiddenAct, "silu", "the SSM uses SiLU")
        try read.expect(.mlpHiddenAct, "silu", "the MLP uses SiLU")
        if let every: Int = try read.optional(.kvReuseEveryILayer), every > 0, kvReuseGroups.isEmpty {
            throw CheckpointError.unsupportedConfig(key: "kv_reuse_every_i_layer", value: "\(every)", reason: "use kv_reuse_group")
        }
        try validate()
    }

    /// Loads and validates `config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try readFile(url, limit: FileSizeLimit.json)
        } catch let error as FileTooLarge {
            throw error
        } catch {
            throw CheckpointError.fileNotFound(path: url.path)
        }
        try self.init(json: data, path: url.path)
    }

    public init(json: Data, path: String = "config.json") throws {
        do {
            self = try JSONDecoder().decode(HymbaConfig.self, from: json)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.invalidConfigJSON(path: path, reason: "not a JSON object (\(error.localizedDescription))")
        }
    }

    // MARK: Validation

    /// Checks sizes and layer lists against each other. Call again after editing a config
    /// (e.g. dropping the meta tokens).
    public func validate() throws {
        func positive(_ key: String, _ value: Int) throws {
            guard value > 0 else { throw CheckpointError.invalidConfigValue(key: key, value: "\(value)", reason: "must be positive") }
        }
        try ConfigLimits.check(self)
        try positive("vocab_size", vocabSize)
        try positive("hidden_size", hiddenSize)
        try positive("intermediate_size", intermediateSize)
        try positive("num_hidden_layers", hiddenLayers)
        try positive("num_attention_heads", attentionHeads)
        try positive("num_key_value_heads", keyValueHeads)
        try positive("mamba_d_state", stateSize)
        try positive("mamba_d_conv", convWidth)
        try positive("mamba_expand", expand)
        try positive("mamba_dt_rank", dtRank)
        guard memoryTokens >= 0 else {
            throw CheckpointError.invalidConfigValue(key: "num_memory_tokens", value: "\(memoryTokens)", reason: "must not be negative")
        }
        guard rmsNormEps > 0, rmsNormEps.isFinite else {
            throw CheckpointError.invalidConfigValue(key: "rms_norm_eps", value: "\(rmsNormEps)", reason: "must be a positive number")
        }
        guard hiddenSize % attentionHeads == 0 else {
            throw CheckpointError.invalidConfigValue(key: "num_attention_heads", value: "\(attentionHeads)", reason: "must divide hidden_size \(hiddenSize)")
        }
        guard attentionHeads % keyValueHeads == 0 else {
            throw CheckpointError.invalidConfigValue(key: "num_key_value_heads", value: "\(keyValueHeads)", reason: "must divide num_attention_heads \(attentionHeads)")
        }
        guard innerSize % attentionHeads == 0 else {
            throw CheckpointError.invalidConfigValue(key: "mamba_expand", value: "\(expand)", reason: "d_inner \(innerSize) must be divisible by num_attention_heads \(attentionHeads)")
        }
        if rope {
            guard headDim % 2 == 0, headDim > 2 else {
                throw CheckpointError.invalidConfigValue(key: "hidden_size", value: "\(hiddenSize)", reason: "RoPE needs an even head dimension > 2, got \(headDim)")
            }
            guard ropeTheta > 0, ropeTheta.isFinite else {
                throw CheckpointError.invalidConfigValue(key: "rope_theta", value: "\(ropeTheta)", reason: "must be a positive number")
            }
            if ropeType == .ntk {
                guard let orig = origMaxPositionEmbeddings else { throw CheckpointError.missingConfigKey(key: "orig_max_position_embeddings") }
                guard orig > 0 else {
                    throw CheckpointError.invalidConfigValue(key: "orig_max_position_embeddings", value: "\(orig)", reason: "must be positive")
                }
                try positive("max_position_embeddings", maxPositionEmbeddings)
            }
        }
        if let window = slidingWindow, window <= 0 {
            throw CheckpointError.invalidConfigValue(key: "sliding_window", value: "\(window)", reason: "must be positive or null")
        }
        for layer in globalAttentionLayers where !(0..<hiddenLayers).contains(layer) {
            throw CheckpointError.invalidConfigValue(key: "global_attn_idx", value: "\(globalAttentionLayers)", reason: "layer \(layer) is outside 0..<\(hiddenLayers)")
        }
        var seen = Set<Int>()
        for group in kvReuseGroups {
            let text = "\(kvReuseGroups)"
            guard group.count >= 1 else {
                throw CheckpointError.invalidConfigValue(key: "kv_reuse_group", value: text, reason: "empty group")
            }
            for layer in group {
                guard (0..<hiddenLayers).contains(layer) else {
                    throw CheckpointError.invalidConfigValue(key: "kv_reuse_group", value: text, reason: "layer \(layer) is outside 0..<\(hiddenLayers)")
                }
                guard seen.insert(layer).inserted else {
                    throw CheckpointError.invalidConfigValue(key: "kv_reuse_group", value: text, reason: "layer \(layer) appears twice")
                }
            }
            guard group.dropFirst().allSatisfy({ $0 > group[0] }) else {
                throw CheckpointError.invalidConfigValue(key: "kv_reuse_group", value: text, reason: "a consumer layer must come after its producer \(group[0])")
            }
        }
    }

    // MARK: Layer roles

    /// Whether layer `i` attends globally (causal over everything) or through the sliding window.
    public func isGlobal(layer i: Int) -> Bool {
        slidingWindow == nil || globalAttentionLayers.contains(i)
    }

    /// Where layer `i` gets its keys and values.
    public func kvRole(layer i: Int) -> KVRole {
        for group in kvReuseGroups where group.contains(i) {
            return group[0] == i ? .producer(consumers: Array(group.dropFirst())) : .consumer(producer: group[0])
        }
        return .own
    }

    public enum KVRole: Equatable, Sendable {
        /// Computes K/V and uses them alone.
        case own
        /// Computes K/V that later layers reuse.
        case producer(consumers: [Int])
        /// Computes no K/V; uses the producer's post-RoPE keys and values.
        case consumer(producer: Int)

        public var computesKV: Bool {
            if case .consumer = self { return false }
            return true
        }
    }
}

/// Reads config keys, turning type errors into messages that name the key and show the value.
private struct ConfigReader {
    let container: KeyedDecodingContainer<HymbaConfig.CodingKeys>
    typealias Key = HymbaConfig.CodingKeys

    func required<T: Decodable>(_ key: Key) throws -> T {
        guard let value: T = try optional(key) else { throw CheckpointError.missingConfigKey(key: key.rawValue) }
        return value
    }

    /// The value, or `nil` when the key is absent or `null`.
    func optional<T: Decodable>(_ key: Key) throws -> T? {
        guard container.contains(key), !((try? container.decodeNil(forKey: key)) ?? false) else { return nil }
        do {
            return try container.decode(T.self, forKey: key)
        } catch {
            let shown = (try? container.decode(ConfigValueText.self, forKey: key))?.description ?? "?"
            throw CheckpointError.invalidConfigValue(key: key.rawValue, value: shown, reason: "expected \(Self.typeName(T.self))")
        }
    }

    /// Rejects a present value other than `expected`.
    func expect<T: Decodable & Equatable>(_ key: Key, _ expected: T, _ reason: String) throws {
        if let value: T = try optional(key), value != expected {
            let shown = (try? container.decode(ConfigValueText.self, forKey: key))?.description ?? "\(value)"
            throw CheckpointError.unsupportedConfig(key: key.rawValue, value: shown, reason: reason)
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is [Int].Type: return "a list of integers"
        case is [[Int]].Type: return "a list of lists of integers"
        default: return "\(type)"
        }
    }
}
