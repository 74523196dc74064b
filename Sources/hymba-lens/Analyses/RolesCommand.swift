import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit

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

    func run() throws {
        let modelPath = DisplayPath.relative(try model ?? ModelLoading.defaultModelPath())
        let destination = try output.checkedDestination()
        let rule = try thresholds.rule()
        let checkpoint = try Checkpoint(path: modelPath)
        let tokenizer = try Corpus.tokenizer(for: checkpoint)
        let prompts = try Corpus.load(name: "prompts", path: corpus.prompts, tokenizer: tokenizer, config: checkpoint.config,
                                      maxPassages: corpus.limits.maxPassages, maxTokens: corpus.limits.maxTokens)
        let model = try ModelLoading.load(checkpoint, quiet: output.quiet)
        let config = model.config

        var statistics = HeadStatisticsAccumulator(layers: config.hiddenLayers, heads: config.attentionHeads)
        var deltas = DeltaNLLAccumulator(ablations: Self.ablations(config: config, branchesOnly: branchesOnly))
        let plan = try CorpusRunner.plan(HeadStatisticsAccumulator.requiredPoints, config: config)
        let progress = PassageProgress(label: "roles", totalPassages: prompts.passages.count, totalTokens: prompts.tokenCount, quiet: output.quiet)
        for ids in prompts.passages {
            try Self.measure(ids: ids, model: model, plan: plan, statistics: &statistics, deltas: &deltas, progress: progress)
            progress.passageDone(tokens: ids.count)
        }
        progress.finish()

        let staging = try output.staging(destination)
        let writer = ArtifactWriter(staging: staging, dpi: output.dpi)
        _ = try RoleArtifacts.write(.init(deltas: deltas, heads: statistics.statistics, rule: rule, modelPath: modelPath,
                                          config: config, tokens: prompts.tokenCount,
                                          tokenCounts: prompts.passages.map(\.count)), writer: writer)
        try staging.commit()
        if !output.quiet { Progress.note("wrote \(output.out)/ (\(writer.figures.count) figures as PNG and SVG, \(writer.tables.count) tables)") }
    }

    static func ablations(config: HymbaConfig, branchesOnly: Bool) -> [Ablation] {
        let all = AblationStudy.components(config: config)
        return branchesOnly ? all.filter { $0.target == .attentionBranch || $0.target == .ssmBranch } : all
    }

    /// One passage: head statistics from a recorded pass, then every ablation.
    static func measure(ids: [Int], model: HymbaModel, plan: RecordingPlan, statistics: inout HeadStatisticsAccumulator,
                        deltas: inout DeltaNLLAccumulator, progress: PassageProgress) throws {
        let recorder = model.makeRecorder(plan: plan)
        _ = try model.forward(ids: ids, recorder: recorder)
        try statistics.add(PassageRecording(recorder: recorder, tokenCount: ids.count))
        let losses = try AblationStudy.losses(model: model, ids: ids, ablations: deltas.ablations) { done, total in
            if done % 8 == 0 || done == total { progress.detail("ablation \(done)/\(total)") }
        }
        try deltas.add(losses)
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
