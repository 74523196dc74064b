/// A component of one layer set to zero, to measure what the model loses without it.
///
/// Branch ablations remove a whole branch from the average after its norm (the paper's β = 0:
/// `m = (0 + RMSNorm(S_out)) / 2`). Head ablations zero one head's channel slice of the branch
/// output *before* its pre-average norm, as the reference's attention head mask does: attention
/// head h is columns `h·dv ..< (h+1)·dv` of `A_out`, SSM head h the same channels of `S_out`.
public struct Ablation: Hashable, Sendable, CustomStringConvertible {
    public enum Target: Hashable, Sendable {
        case attentionBranch
        case ssmBranch
        case attentionHead(Int)
        case ssmHead(Int)
    }

    public let layer: Int
    public let target: Target

    public init(layer: Int, _ target: Target) {
        self.layer = layer
        self.target = target
    }

    public var description: String {
        switch target {
        case .attentionBranch: return "layer \(layer) attention branch"
        case .ssmBranch: return "layer \(layer) SSM branch"
        case .attentionHead(let h): return "layer \(layer) attention head \(h)"
        case .ssmHead(let h): return "layer \(layer) SSM head \(h)"
        }
    }
}

/// The residual stream entering every layer and the K/V each producer handed on, from one
/// unablated run — so an ablation at layer L recomputes only layers L… instead of the whole model.
public struct CleanRun: Sendable {
    public let ids: [Int]
    public let logits: Matrix
    /// `layerInputs[i]` is X before layer i, `(T, D)`.
    let layerInputs: [Matrix]
    let producedKV: [Int: HybridBlock.KeyValues]
}
