import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaReport

struct Roles: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles",
        abstract: "What each branch and head is worth (ΔNLL when zeroed) and what it does (paper Figs. 3, 13).",
        discussion: """
        Importance. For every passage, the mean next-token loss over its real tokens is measured \
        clean and with one component zeroed at a time: each layer's attention branch and SSM \
        branch (removed after its norm, β = 0), and each single attention head and SSM head (its \
        channel slice zeroed before the pre-average norm, as the reference's head mask does). \
        ΔNLL = ablated − clean, pooled over all predicted tokens of the set; the standard error \
        is that of the per-passage ΔNLL. An ablation reruns only the layers from the ablated \
        one on, from the clean run's residual stream: L·(2 + 2H) partial passes per passage.

        Roles. Per head (means over real-token rows, then passages): its mass on meta tokens / \
        BOS / itself / others (attn_mass, ssm_mass); its reach — for attention heads the mean \
        distance back of its mass on non-BOS real tokens, for SSM heads the effective memory \
        length, the smallest d such that 90 % of a row's |implicit attention| on non-BOS real \
        tokens lies within d tokens back. Rule, first match wins:
          meta-sink    meta share ≥ --sink-share (0.5)
          BOS-sink     BOS share ≥ --sink-share
          local        reach ≤ --local-distance (4 tokens)
          long-range   reach ≥ --long-range-fraction (0.75) × the uniform reach
          mixed        otherwise
        The uniform reach is the same statistic for mass spread evenly over the same rows \
        (attention heads: within the layer's window), so long-range means "reads back nearly as \
        far as the passage allows" at any passage length.

        Writes to --out: roles-branches, roles-heads, roles-reach (.png/.svg), roles.json, \
        roles-ablations.csv (layer, component, head, delta_nll, standard_error, ablated_nll) and \
        roles-heads.csv (layer, branch, head, meta, bos, self, cross, mean_distance, span90, \
        uniform_reach, delta_nll, role).

        Examples:
          hymba-lens roles --prompts analyses/domains/article.txt --out out/roles
          hymba-lens roles models/hymba-tiny --prompts big.txt --max-passages 10 \\
              --max-tokens 256 --branches-only --long-range-fraction 0.9 --out out/roles
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder with a tokenizer (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @OptionGroup var corpus: CorpusOptions

    @Flag(name: .customLong("branches-only"), help: "Ablate only whole branches, not single heads (L·2 instead of L·(2 + 2H) passes).")
    var branchesOnly = false

    @OptionGroup var thresholds: RoleThresholdOptions
    @OptionGroup var output: AnalysisOutputOptions
    @OptionGroup var runOptions: CorpusRunOptions

    func run() throws {
        let command = CorpusCommand(command: "roles", label: "roles", model: model,
                                    domains: [DomainOption(name: "prompts", path: corpus.prompts)],
                                    limits: corpus.limits, output: output, run: runOptions)
        let rule = try thresholds.rule()
        _ = try command.execute { run in
            [try RolesAnalysis(settings: .init(branchPassages: nil, headPassages: nil, ablateHeads: !branchesOnly, rule: rule), run: run)]
        }
    }
}

/// The head-role thresholds (see `HeadRoleRule`).
struct RoleThresholdOptions: ParsableArguments {
    @Option(name: .customLong("sink-share"), help: ArgumentHelp("Meta or BOS share that makes a head a sink.", valueName: "share"))
    var sinkShare: Double = HeadRoleRule.defaultSinkShare

    @Option(name: .customLong("local-distance"), help: ArgumentHelp("Reach (tokens) up to which a head is local.", valueName: "tokens"))
    var localDistance: Double = HeadRoleRule.defaultLocalDistance

    @Option(name: .customLong("long-range-fraction"), help: ArgumentHelp("Share of the uniform reach from which a head is long-range.", valueName: "fraction"))
    var longRangeFraction: Double = HeadRoleRule.defaultLongRangeFraction

    func rule() throws -> HeadRoleRule {
        do {
            return try HeadRoleRule(sinkShare: sinkShare, localDistance: localDistance, longRangeFraction: longRangeFraction)
        } catch let error as AnalysisError {
            throw CLIError(error.description)
        }
    }
}
