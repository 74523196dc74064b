/// The largest size a `config.json` may declare for each dimension — far above every released
/// Hymba (1.5B: D = 1600, vocab 32,001, 32 layers) yet small enough that no product of them
/// (a weight's element count, an in_proj width, a position table) can overflow an `Int`, so a
/// hostile config is refused with its key named before anything is sized from it.
/// `docs/limits.md` lists these with every other bound.
enum ConfigLimits {
    static let bounds: [(key: HymbaConfig.CodingKeys, range: ClosedRange<Int>)] = [
        (.vocabSize, 1...(1 << 24)),
        (.hiddenSize, 1...(1 << 16)),
        (.intermediateSize, 1...(1 << 20)),
        (.hiddenLayers, 1...1024),
        (.attentionHeads, 1...1024),
        (.keyValueHeads, 1...1024),
        (.stateSize, 1...1024),
        (.convWidth, 1...64),
        (.expand, 1...16),
        (.dtRank, 1...(1 << 16)),
        (.memoryTokens, 0...(1 << 16)),
        (.maxPositionEmbeddings, 1...(1 << 24)),
    ]
    /// `sliding_window` and `orig_max_position_embeddings`, when present.
    static let positions = 1...(1 << 24)

    static func value(of key: HymbaConfig.CodingKeys, in config: HymbaConfig) -> Int {
        switch key {
        case .vocabSize: return config.vocabSize
        case .hiddenSize: return config.hiddenSize
        case .intermediateSize: return config.intermediateSize
        case .hiddenLayers: return config.hiddenLayers
        case .attentionHeads: return config.attentionHeads
        case .keyValueHeads: return config.keyValueHeads
        case .stateSize: return config.stateSize
        case .convWidth: return config.convWidth
        case .expand: return config.expand
        case .dtRank: return config.dtRank
        case .memoryTokens: return config.memoryTokens
        case .maxPositionEmbeddings: return config.maxPositionEmbeddings
        default: return 0
        }
    }

    /// Throws for the first size outside its bound.
    static func check(_ config: HymbaConfig) throws {
        for (key, range) in bounds {
            let value = value(of: key, in: config)
            guard range.contains(value) else {
                throw CheckpointError.invalidConfigValue(
                    key: key.rawValue, value: "\(value)",
                    reason: range.lowerBound == 0 ? "must be between 0 and \(range.upperBound)" : "must be between 1 and \(range.upperBound)")
            }
        }
        for (key, value) in [(HymbaConfig.CodingKeys.slidingWindow, config.slidingWindow),
                             (.origMaxPositionEmbeddings, config.origMaxPositionEmbeddings)] {
            if let value, !positions.contains(value) {
                throw CheckpointError.invalidConfigValue(key: key.rawValue, value: "\(value)",
                                                         reason: "must be between 1 and \(positions.upperBound)")
            }
        }
    }
}
