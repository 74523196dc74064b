import HymbaKit

/// Which cells of a T × T map were computed: the rule the forward pass applied to that layer.
enum MapVisibility {
    /// The attention layer's own mask from the model config: causal, and for sliding-window
    /// layers only the window plus the meta tokens.
    case attention(HymbaKit.AttentionMask)
    /// Causal only: SSM maps (the scan reaches every earlier position), and attention maps
    /// read from a recording whose model config is not at hand.
    case causal

    func isVisible(query: Int, key: Int) -> Bool {
        switch self {
        case .attention(let mask): return mask.allows(query: query, key: key)
        case .causal: return key <= query
        }
    }
}

/// One T × T map of one layer: an attention head, an SSM head's implicit attention, or one
/// SSM channel's implicit attention. Rows are queries, columns keys, meta positions first.
struct HeadMap {
    enum Kind: Equatable {
        case attention, ssm, ssmChannel

        /// The recording key's hook point for this kind.
        var hookPoint: HookPoint {
            switch self {
            case .attention: return .attnProbs
            case .ssm: return .ssmAttn
            case .ssmChannel: return .ssmAttnChannels
            }
        }

        /// Short name for panel titles.
        var name: String {
            switch self {
            case .attention: return "attention"
            case .ssm: return "SSM"
            case .ssmChannel: return "SSM channel"
            }
        }
    }

    let kind: Kind
    let layer: Int
    /// The head number (the SSM channel number for `.ssmChannel`), not the slot in a tensor.
    let index: Int
    /// Row-major T × T.
    let values: [Float]
    let positions: Int
    let visibility: MapVisibility

    /// `index` + its kind for titles: "head 2", "channel 17".
    var indexLabel: String { kind == .ssmChannel ? "channel \(index)" : "head \(index)" }

    /// Slot `slot` of a recorded `[k, T, T]` tensor.
    init(kind: Kind, layer: Int, index: Int, tensor: Tensor, slot: Int, visibility: MapVisibility) {
        let t = tensor.shape[1]
        self.kind = kind
        self.layer = layer
        self.index = index
        self.positions = t
        self.values = Array(tensor.floats[(slot * t * t)..<((slot + 1) * t * t)])
        self.visibility = visibility
    }

    func value(query: Int, key: Int) -> Float { values[query * positions + key] }
}
