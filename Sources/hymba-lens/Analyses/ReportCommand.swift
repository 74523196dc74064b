import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaReport

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Every analysis on the domain prompt sets, with an index.html that shows and explains each figure.",
        discussion: """
        Runs sinks (with and without meta tokens), meta-domains (every layer), roles, magnitudes \
        and entropy on the domain prompt sets — by default the bundled analyses/domains/\
        {article,math,code}.txt on the bundled models/hymba-tiny — in one pass over the passages: \
        each passage runs once with meta tokens recording everything the analyses need, once \
        without them, and once per ablation (layers before the ablated one reused). Sinks, roles, \
        magnitudes and entropy pool the passages of all domains.

        Writes to --out: index.html (every figure with a caption stating what it measures and the \
        headline number), summary.json (the headline numbers and the wall time), view.html (the \
        interactive viewer on the first passage; not in a merged report), and one folder \
        per analysis (sinks/, meta-domains/, roles/, magnitudes/, entropy/) holding the same PNG, \
        SVG, JSON and CSV files as the subcommand of that name; see `hymba-lens help <analysis>` \
        for their definitions, and docs/analyses.md.

        Ablations are the expensive part: per passage L·2 branch ablations and L·2H head \
        ablations, each a partial pass with the full LM head. --branch-ablation-passages and \
        --head-ablation-passages (N per domain, or 'all') say on how many leading passages of each \
        domain each runs; --roles-passages sets both. The defaults depend on the model's size: as \
        many passages as fit about 45 minutes on a 2-core machine, at most 10 per domain (the \
        bundled model: 10 and 10; the 32-layer Hymba-1.5B: branches on 8, heads on none). The plan and an \
        ETA from a calibration on the first passage are printed before the passage loop.

        Long runs: each completed passage is journaled in --out, and --resume continues an \
        interrupted run with the same outputs. --shard I/N runs 1/N of the passages (for a Slurm \
        job array or a Kubernetes Indexed Job: --shard auto) and writes a part; `hymba-lens \
        merge` joins the parts into the report. See docs/cluster.md.

        Examples:
          hymba-lens report --out report
          hymba-lens report models/hymba-tiny --roles-passages all --out report
          hymba-lens report my-model --domain prose=a.txt --domain code=b.txt \\
              --max-tokens 256 --out report
          hymba-lens report /models/hymba-1.5b --head-ablation-passages all \\
              --shard auto --resume --out parts/$SLURM_ARRAY_TASK_ID
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder with a tokenizer (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @Option(help: ArgumentHelp("A domain's prompt set as name=file (default: the bundled article, math and code sets).", valueName: "name=file"))
    var domain: [String] = []

    @Option(name: .customLong("branch-ablation-passages"), help: ArgumentHelp("Ablate each layer's branches on the first N passages of each domain, or 'all' (default: by model size).", valueName: "n"))
    var branchAblationPassages: String?

    @Option(name: .customLong("head-ablation-passages"), help: ArgumentHelp("Ablate every single head on the first N passages of each domain, or 'all' (default: by model size).", valueName: "n"))
    var headAblationPassages: String?

    @Option(name: .customLong("roles-passages"), help: ArgumentHelp("Set both of the above: ablate the first N passages of each domain, or 'all'.", valueName: "n"))
    var rolesPassages: String?

    @Option(help: ArgumentHelp("Permutations for the meta-domains p-value.", valueName: "n"))
    var permutations: Int = 1000

    @Option(help: ArgumentHelp("Seed of the permutation generator.", valueName: "n"))
    var seed: UInt64 = 0

    @OptionGroup var limits: CorpusLimits
    @OptionGroup var thresholds: RoleThresholdOptions
    @OptionGroup var output: AnalysisOutputOptions
    @OptionGroup var runOptions: CorpusRunOptions

    func validate() throws {
        if let problem = PermutationTest.problem(permutations: permutations) { throw ValidationError(problem) }
        for (option, value) in [("--roles-passages", rolesPassages), ("--branch-ablation-passages", branchAblationPassages),
                                ("--head-ablation-passages", headAblationPassages)] {
            if let value { _ = try Self.passageLimit(value, option: option) }
        }
    }

    /// nil for every passage.
    static func passageLimit(_ text: String, option: String) throws -> Int? {
        if text == "all" { return nil }
        guard let limit = Int(text), limit >= 0 else {
            throw ValidationError("\(option) must be a number ≥ 0 or 'all', got '\(text)'")
        }
        return limit
    }

    func run() throws {
        let rule = try thresholds.rule()
        let domains = try domain.isEmpty ? BundledDomains.options() : DomainOption.parseAll(domain)
        guard domains.count >= 2 else { throw CLIError("give at least two --domain name=file to compare") }
        var command = CorpusCommand(command: "report", label: "report", model: model, domains: domains, limits: limits,
                                    output: output, run: runOptions)
        command.checkModel = { path, config in
            guard config.memoryTokens > 0 else { throw CLIError("\(path) has no meta tokens; the report compares runs with and without them") }
        }
        var notes: [String] = []
        _ = try command.execute(analyses: { run in
            let limits = try ablationLimits(run)
            notes = limits.notes
            return try AnalysisRegistry.report(.init(branchAblationPassages: limits.branches, headAblationPassages: limits.heads,
                                                     permutations: permutations, seed: seed, rule: rule), run: run)
        }, planNotes: { _ in notes })
    }

    /// The ablation passages per domain (nil: every passage): the options, or the defaults for
    /// this model's size where an option is not given.
    func ablationLimits(_ run: RunDescription) throws -> (branches: Int?, heads: Int?, notes: [String]) {
        // Outer nil: not given; inner nil: 'all'.
        let shared: Int?? = try rolesPassages.map { try Self.passageLimit($0, option: "--roles-passages") }
        let branchOption: Int?? = try branchAblationPassages.map { try Self.passageLimit($0, option: "--branch-ablation-passages") } ?? shared
        let headOption: Int?? = try headAblationPassages.map { try Self.passageLimit($0, option: "--head-ablation-passages") } ?? shared
        var notes: [String] = []
        var branches: Int?, heads: Int?
        if case .some(let given) = branchOption, case .some(let givenHeads) = headOption {
            (branches, heads) = (given, givenHeads)
        } else {
            let choice = AblationDefaults.choose(config: run.config, tokenCounts: run.domains.map(\.tokenCounts))
            if case .some(let given) = branchOption { branches = given } else { branches = choice.branchPassages }
            if case .some(let given) = headOption { heads = given } else { heads = choice.headPassages }
            notes.append("ablation defaults for a \(run.config.hiddenLayers)-layer model with \(run.config.attentionHeads) + \(run.config.attentionHeads) heads per layer: as many passages as fit about \(Int(AblationDefaults.budgetSeconds / 60)) minutes on a 2-core machine, at most \(AblationDefaults.maximum) per domain (--branch-ablation-passages and --head-ablation-passages override)")
        }
        func text(_ limit: Int?, _ what: String) -> String {
            guard let limit else { return "\(what) on every passage" }
            return limit == 0 ? "no \(what)" : "\(what) on the first \(limit) passage\(limit == 1 ? "" : "s") of each domain"
        }
        notes.insert("ablations: " + text(branches, "branch ablations") + ", " + text(heads, "head ablations"), at: 0)
        return (branches, heads, notes)
    }
}
