import Foundation
import HymbaAnalysis
import HymbaKit

/// The headline numbers of a report, written as summary.json and quoted by index.html.
struct ReportSummary {
    let modelPath: String
    let config: HymbaConfig
    let corpora: [Corpus]
    let sinks: SinkSummary
    let sinksWithoutMeta: SinkSummary
    let meta: [MetaDomainAnalysis.Result]
    let deltas: DeltaNLLAccumulator
    let heads: [HeadStatistics]
    let rule: HeadRoleRule
    let magnitudes: [BranchMagnitudes]
    let entropy: [LayerEntropy]
    let entropyWithoutMeta: [LayerEntropy]
    let baseline: ReachBaseline
    let permutations: Int
    let wallSeconds: Double
    /// The command line after the program name.
    let arguments: String

    var lastMeta: MetaDomainAnalysis.Result? { meta.last }

    /// Every ablation, largest loss increase first.
    var rankedDeltas: [DeltaNLL] {
        deltas.results.sorted { ($0.delta.isFinite ? $0.delta : -.infinity) > ($1.delta.isFinite ? $1.delta : -.infinity) }
    }

    var json: JSONTree {
        .object([
            ("model", .string(modelPath)),
            ("meta_tokens", .integer(config.memoryTokens)),
            ("layers", .integer(config.hiddenLayers)),
            ("heads", .integer(config.attentionHeads)),
            ("command", .string("hymba-lens " + arguments)),
            ("wall_seconds", .number(wallSeconds)),
            ("domains", .array(corpora.map {
                .object([("name", .string($0.name)), ("file", .string($0.path)),
                         ("passages", .integer($0.passages.count)), ("tokens", .integer($0.tokenCount))])
            })),
            ("sinks", .object([
                ("attention_meta_share", .numbers(sinks.layers.map(\.attention.meta))),
                ("ssm_meta_share", .numbers(sinks.layers.map(\.ssm.meta))),
                ("attention_bos_share", .numbers(sinks.layers.map(\.attention.bos))),
                ("attention_bos_share_without_meta", .numbers(sinksWithoutMeta.layers.map(\.attention.bos))),
                ("attention_self_share", .numbers(sinks.layers.map(\.attention.selfMass))),
                ("attention_self_share_without_meta", .numbers(sinksWithoutMeta.layers.map(\.attention.selfMass))),
                ("attention_cross_share", .numbers(sinks.layers.map(\.attention.cross))),
                ("attention_cross_share_without_meta", .numbers(sinksWithoutMeta.layers.map(\.attention.cross))),
            ])),
            ("meta_domains", .object([
                ("layer", lastMeta.map { .integer($0.layer) } ?? .null),
                ("p_value", .number(lastMeta?.test.pValue)),
                ("p_value_per_layer", .numbers(meta.map(\.test.pValue))),
                ("permutations", .integer(permutations)),
                ("jsd", .array((lastMeta?.divergences ?? []).map {
                    .object([("first", .string($0.first)), ("second", .string($0.second)), ("jsd", .number($0.divergence))])
                })),
                ("most_specific_tokens", .object((lastMeta?.domains ?? []).map { domain in
                    (domain.name, .array(domain.topTokens.prefix(3).map { .integer($0.token) }))
                })),
            ])),
            ("roles", .object([
                ("passages", .integer(deltas.passages)),
                ("clean_nll", .number(deltas.cleanNLL)),
                ("largest_delta_nll", .array(rankedDeltas.prefix(5).map {
                    .object([("component", .string($0.ablation.description)), ("delta_nll", .number($0.delta)),
                             ("standard_error", .number($0.standardError))])
                })),
                ("role_counts", .object(HeadKind.allCases.map { kind in
                    (kind.rawValue, .object(HeadRole.allCases.map { role in
                        (role.rawValue, .integer(heads.filter { $0.kind == kind && rule.role(of: $0, baseline: baseline) == role }.count))
                    }))
                })),
            ])),
            ("magnitudes", .object([
                ("ssm_to_attention_rms", .numbers(magnitudes.map(\.ssmToAttentionRatio))),
                ("attention_norm_mean_abs_weight", .numbers(magnitudes.map(\.attentionNormWeight))),
                ("ssm_norm_mean_abs_weight", .numbers(magnitudes.map(\.ssmNormWeight))),
            ])),
            ("entropy", .object([
                ("attention", .numbers(entropy.map(\.attention))),
                ("attention_without_meta", .numbers(entropyWithoutMeta.map(\.attention))),
                ("ssm", .numbers(entropy.map(\.ssm))),
                ("ssm_without_meta", .numbers(entropyWithoutMeta.map(\.ssm))),
            ])),
        ])
    }
}
