/// The checkpoint's tensor names (reference `state_dict` keys). Swift names are used everywhere
/// else; this is the one place that knows how the reference spells them.
enum WeightNames {
    static let embedding = "model.embed_tokens.weight"
    static let metaTokens = "model.memory_tokens"
    static let finalNorm = "model.final_layernorm.weight"
    static let lmHead = "lm_head.weight"

    struct Layer {
        let prefix: String
        init(_ i: Int) { prefix = "model.layers.\(i)." }

        var inputNorm: String { prefix + "input_layernorm.weight" }
        var inProj: String { prefix + "mamba.in_proj.weight" }
        var convWeight: String { prefix + "mamba.conv1d.weight" }
        var convBias: String { prefix + "mamba.conv1d.bias" }
        var xProj: String { prefix + "mamba.x_proj.0.weight" }
        var dtProj: String { prefix + "mamba.dt_proj.0.weight" }
        var dtBias: String { prefix + "mamba.dt_proj.0.bias" }
        var aLog: String { prefix + "mamba.A_log.0" }
        var skipD: String { prefix + "mamba.D.0" }
        var dtNorm: String { prefix + "mamba.dt_layernorm.weight" }
        var bNorm: String { prefix + "mamba.B_layernorm.weight" }
        var cNorm: String { prefix + "mamba.C_layernorm.weight" }
        var attentionNorm: String { prefix + "mamba.pre_avg_layernorm1.weight" }
        var ssmNorm: String { prefix + "mamba.pre_avg_layernorm2.weight" }
        var outProj: String { prefix + "mamba.out_proj.weight" }
        var mlpNorm: String { prefix + "pre_moe_layernorm.weight" }
        var gateProj: String { prefix + "moe.experts.0.gate_proj.weight" }
        var upProj: String { prefix + "moe.experts.0.up_proj.weight" }
        var downProj: String { prefix + "moe.experts.0.down_proj.weight" }
    }
}
