/// Errors in what the user asked the forward pass to do or record.
public enum ProbeError: Error, CustomStringConvertible, Equatable {
    case unknownKey(String, known: [String])
    case badSelection(item: String, reason: String)
    case layerOutOfRange(item: String, layer: Int, layers: Int)
    case headOutOfRange(item: String, head: Int, heads: Int)
    case channelOutOfRange(channel: Int, channels: Int)
    case emptyInput
    case tokenOutOfRange(id: Int, position: Int, vocabularySize: Int)
    case tooLong(tokens: Int, limit: Int)
    case emptyPlan
    case recordingTooLarge(plan: String, bytes: Int, available: Int)

    public var description: String {
        switch self {
        case .unknownKey(let key, let known):
            return "unknown recording key '\(key)' (known: \(known.joined(separator: ", ")))"
        case .badSelection(let item, let reason):
            return "cannot read '\(item)': \(reason)"
        case .layerOutOfRange(let item, let layer, let layers):
            return "'\(item)': layer \(layer) is out of range (the model has layers 0...\(layers - 1))"
        case .headOutOfRange(let item, let head, let heads):
            return "'\(item)': head \(head) is out of range (the model has heads 0...\(heads - 1))"
        case .channelOutOfRange(let channel, let channels):
            return "SSM channel \(channel) is out of range (d_inner is \(channels): channels 0...\(channels - 1))"
        case .emptyInput:
            return "the prompt is empty: give at least one token"
        case .tokenOutOfRange(let id, let position, let vocabularySize):
            return "token id \(id) at position \(position) is outside the vocabulary (0...\(vocabularySize - 1))"
        case .tooLong(let tokens, let limit):
            return "the prompt has \(tokens) positions (meta tokens included), more than max_position_embeddings = \(limit)"
        case .emptyPlan:
            return "nothing to record: --record needs at least one key"
        case .recordingTooLarge(let plan, let bytes, let available):
            let gib = { (b: Int) in String(format: "%.1f GiB", Double(b) / Double(1 << 30)) }
            return "recording '\(plan)' on this prompt needs \(gib(bytes)), more than this machine can spare (\(gib(available)) free): record fewer layers or heads (e.g. attn_probs@0,last:h0-3) or the reductions (*_mass, *_entropy)"
        }
    }
}
