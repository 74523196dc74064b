/// A named place in the forward pass whose values can be recorded. The raw value is the key
/// suffix in recordings and goldens: layer `i`'s point `p` is stored as `layers.{i}.{p}`.
///
/// Dimensions: T = M + n positions (meta tokens first), M meta tokens, n real tokens, D hidden,
/// H attention heads (= SSM heads), dv = E / H, E = d_inner, N = d_state.
/// `docs/probes.md` documents every point with its formula.
public enum HookPoint: String, CaseIterable, Sendable {
    // The keys the reference goldens hold (docs/probes.md).
    case hidden
    case attnProbs = "attn_probs"
    case attnOut = "attn_out"
    case ssmOut = "ssm_out"
    case ssmStateNorm = "ssm_state_norm"
    case ssmFinalState = "ssm_final_state"
    // SSM internals.
    case ssmX = "ssm_x"
    case ssmDt = "ssm_dt"
    case ssmB = "ssm_B"
    case ssmC = "ssm_C"
    case ssmGate = "ssm_gate"
    // SSM implicit attention.
    case ssmAttn = "ssm_attn"
    case ssmAttnChannels = "ssm_attn_channels"
    // Norms and reductions.
    case attnHeadNorm = "attn_head_norm"
    case ssmHeadNorm = "ssm_head_norm"
    case branchRMS = "branch_rms"
    case attnMass = "attn_mass"
    case ssmMass = "ssm_mass"
    case metaAttnReceived = "meta_attn_received"
    // Row statistics (AttentionRowStatistics): spread and reach of each head's rows.
    case attnEntropy = "attn_entropy"
    case ssmEntropy = "ssm_entropy"
    case attnDistance = "attn_distance"
    case ssmDistance = "ssm_distance"

    /// Recording key for layer `i`.
    public func key(layer i: Int) -> String { "layers.\(i).\(rawValue)" }

    /// Points holding one T×T map per head, where a head selection (`:h0-3`) applies.
    public var isPerHeadMap: Bool { self == .attnProbs || self == .ssmAttn }

    /// Whether the point holds something for every one of the T rows — a `[T, …]` tensor or a
    /// `[·, T, T]` map — so that its meta rows can be recorded apart from its real rows.
    var coversEveryRow: Bool {
        switch self {
        case .ssmFinalState, .attnMass, .ssmMass, .metaAttnReceived, .attnEntropy, .ssmEntropy, .attnDistance, .ssmDistance:
            return false
        default:
            return true
        }
    }

    /// Points computed from the SSM implicit attention.
    var readsImplicitAttention: Bool {
        switch self {
        case .ssmAttn, .ssmAttnChannels, .ssmMass, .ssmEntropy, .ssmDistance: return true
        default: return false
        }
    }

    /// A `[·, T, T]` map (rows are query positions).
    var isMap: Bool { self == .attnProbs || self == .ssmAttn || self == .ssmAttnChannels }

    /// Shape in the dimension legend.
    public var shapeDescription: String {
        switch self {
        case .hidden: return "[T, D]"
        case .attnProbs, .ssmAttn: return "[H, T, T]"
        case .attnOut: return "[T, H·dv]"
        case .ssmOut, .ssmStateNorm, .ssmX, .ssmDt, .ssmGate: return "[T, E]"
        case .ssmFinalState: return "[E, N]"
        case .ssmB, .ssmC: return "[T, N]"
        case .ssmAttnChannels: return "[k, T, T]"
        case .attnHeadNorm, .ssmHeadNorm: return "[T, H]"
        case .branchRMS: return "[T, 4]"
        case .attnMass, .ssmMass: return "[H, 4]"
        case .metaAttnReceived: return "[H, M]"
        case .attnEntropy, .ssmEntropy: return "[H]"
        case .attnDistance, .ssmDistance: return "[H, 2]"
        }
    }

    /// One line for `--help` and manifests.
    public var summary: String {
        switch self {
        case .hidden: return "residual stream after the layer (after its MLP)"
        case .attnProbs: return "softmax attention of each attention head (0 where masked)"
        case .attnOut: return "attention branch output before pre_avg_layernorm1"
        case .ssmOut: return "SSM branch output (scan + D skip, gated by silu(z)) before pre_avg_layernorm2"
        case .ssmStateNorm: return "‖h_t[e,:]‖₂ of the SSM state after step t"
        case .ssmFinalState: return "SSM state at the last position"
        case .ssmX: return "conv + SiLU output (the scan input u)"
        case .ssmDt: return "Δ = softplus(dt_proj(RMSNorm(dt)) + bias)"
        case .ssmB: return "B after its RMSNorm"
        case .ssmC: return "C after its RMSNorm"
        case .ssmGate: return "z, the output gate before SiLU"
        case .ssmAttn: return "SSM heads' implicit attention (mean over the head's channels)"
        case .ssmAttnChannels: return "implicit attention of chosen SSM channels (--ssm-attn-channels)"
        case .attnHeadNorm: return "L2 norm of each head's slice of attn_out"
        case .ssmHeadNorm: return "L2 norm of each head's slice of ssm_out"
        case .branchRMS: return "RMS of attn_out, ssm_out, and of each after its pre-average norm"
        case .attnMass: return "attention mass on meta / BOS / self / cross, mean over real-token rows"
        case .ssmMass: return "the same for SSM heads' |implicit attention| rows"
        case .metaAttnReceived: return "attention each meta token receives, mean over real-token rows"
        case .attnEntropy: return "row entropy (nats) of each attention head, mean over real-token rows"
        case .ssmEntropy: return "the same for SSM heads' |implicit attention| rows, renormalised"
        case .attnDistance: return "mean distance back and 90 % span of each head's mass on non-BOS real tokens"
        case .ssmDistance: return "the same for SSM heads' |implicit attention| (span = effective memory length)"
        }
    }
}

/// Keys that are not per layer.
public enum ModelKey: String, CaseIterable, Sendable {
    case inputIDs = "input_ids"
    case logits
}
