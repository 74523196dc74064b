import HymbaKit

/// A recording key taken apart: "layers.3.attn_probs" → layer 3, hook point `attn_probs`;
/// "logits" → neither.
struct RecordingKey: Equatable {
    let name: String
    let layer: Int?
    let point: HookPoint?

    init(_ name: String) {
        self.name = name
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        if parts.count == 3, parts[0] == "layers", let layer = Int(parts[1]), let point = HookPoint(rawValue: parts[2]) {
            (self.layer, self.point) = (layer, point)
        } else {
            (self.layer, self.point) = (nil, nil)
        }
    }

    /// The map kind of a per-head (or per-channel) `[k, T, T]` key; nil for every other key.
    var mapKind: HeadMap.Kind? {
        switch point {
        case .attnProbs: return .attention
        case .ssmAttn: return .ssm
        case .ssmAttnChannels: return .ssmChannel
        default: return nil
        }
    }

    /// `attn_mass` / `ssm_mass`: `[H, 4]` shares on meta / BOS / self / cross.
    var isMass: Bool { point == .attnMass || point == .ssmMass }
}
