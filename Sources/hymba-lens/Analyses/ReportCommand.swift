import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit

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
        headline number), summary.json (the headline numbers and the wall time), and one folder \
        per analysis (sinks/, meta-domains/, roles/, magnitudes/, entropy/) holding the same PNG, \
        SVG, JSON and CSV files as the subcommand of that name; see `hymba-lens help <analysis>` \
        for their definitions, and docs/analyses.md.

        --roles-passages limits the ablations (the expensive part: L·(2 + 2H) partial passes per \
        passage, each with the full LM head) to the first N passages of each domain, 10 by \
        default ('all' for every passage); the other analyses use every passage.

        Examples:
          hymba-lens report --out report
          hymba-lens report models/hymba-tiny --roles-passages all --out report
          hymba-lens report my-model --domain prose=a.txt --domain code=b.txt \\
              --max-tokens 256 --out report
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder with a tokenizer (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @Option(help: ArgumentHelp("A domain's prompt set as name=file (default: the bundled article, math and code sets).", valueName: "name=file"))
    var domain: [String] = []

    @Option(name: .customLong("roles-passages"), help: ArgumentHelp("Ablate only the first N passages of each domain, or 'all'.", valueName: "n"))
    var rolesPassages: String = "10"

    @Option(help: ArgumentHelp("Permutations for the meta-domains p-value.", valueName: "n"))
    var permutations: Int = 1000

    @Option(help: ArgumentHelp("Seed of the permutation generator.", valueName: "n"))
    var seed: UInt64 = 0

    @OptionGroup var limits: CorpusLimits
    @OptionGroup var thresholds: RoleThresholdOptions
    @OptionGroup var output: AnalysisOutputOptions

    func validate() throws {
        if let problem = PermutationTest.problem(permutations: permutations) { throw ValidationError(problem) }
        _ = try rolesPassageLimit()
    }

    /// nil for every passage.
    func rolesPassageLimit() throws -> Int? {
        if rolesPassages == "all" { return nil }
        guard let limit = Int(rolesPassages), limit >= 0 else {
            throw ValidationError("--roles-passages must be a number ≥ 0 or 'all', got '\(rolesPassages)'")
        }
        return limit
    }

    func run() throws {
        let start = Date()
        let destination = try output.checkedDestination()
        let rule = try thresholds.rule()
        let modelPath = DisplayPath.relative(try model ?? ModelLoading.defaultModelPath())
        let domains = try domain.isEmpty ? BundledDomains.options() : DomainOption.parseAll(domain)
        guard domains.count >= 2 else { throw CLIError("give at least two --domain name=file to compare") }
        let checkpoint = try Checkpoint(path: modelPath)
        let config = checkpoint.config
        guard config.memoryTokens > 0 else { throw CLIError("\(modelPath) has no meta tokens; the report compares runs with and without them") }
        let tokenizer = try Corpus.tokenizer(for: checkpoint)
        let corpora = try domains.map {
            try Corpus.load(name: $0.name, path: $0.path, tokenizer: tokenizer, config: config,
                            maxPassages: limits.maxPassages, maxTokens: limits.maxTokens)
        }
        let model = try ModelLoading.load(checkpoint, quiet: output.quiet)
        let results = try ReportRun(model: model, corpora: corpora, rolesPassages: try rolesPassageLimit(), quiet: output.quiet).run()

        let metaResults = try MetaDomains.analyze(results.collectors, permutations: permutations, seed: seed, top: 5)
        let staging = try output.staging(destination)
        var sections: [ReportPage.Section] = []
        let totalTokens = corpora.reduce(0) { $0 + $1.tokenCount }, totalPassages = corpora.reduce(0) { $0 + $1.passages.count }

        let sinksWriter = ArtifactWriter(staging: staging, folder: "sinks", dpi: output.dpi)
        let sinks = results.sinks.summary, sinksBare = results.sinksWithoutMeta.summary
        _ = try SinkArtifacts.write(sinks, config: config, metaCount: config.memoryTokens, modelPath: modelPath, name: "sinks", writer: sinksWriter)
        _ = try SinkArtifacts.write(sinksBare, config: config, metaCount: 0, modelPath: modelPath, name: "sinks-no-meta", writer: sinksWriter)
        try SinkArtifacts.writeComparison(withMeta: sinks, withoutMeta: sinksBare, config: config, writer: sinksWriter)
        sections.append(.init(id: "sinks", title: "Attention sinks and meta tokens (paper Fig. 7)", command: "sinks",
                              intro: "Where a real token's attention goes: the meta tokens, the BOS, itself, or other tokens — per layer, for attention heads and (as |implicit attention|) for SSM heads, pooled over all \(totalPassages) passages.",
                              writer: sinksWriter))

        let metaWriter = ArtifactWriter(staging: staging, folder: "meta-domains", dpi: output.dpi)
        _ = try MetaDomainArtifacts.write(.init(collectors: results.collectors, corpora: corpora, results: metaResults,
                                                primaryLayer: config.hiddenLayers - 1, permutations: permutations, seed: seed,
                                                modelPath: modelPath, config: config), writer: metaWriter)
        sections.append(.init(id: "meta-domains", title: "Meta tokens by domain (paper Fig. 5)", command: "meta-domains",
                              intro: "Which meta tokens the text of each domain (\(corpora.map { "\($0.name): \($0.passages.count) passages" }.joined(separator: ", "))) attends to, and whether the domains' profiles differ.",
                              writer: metaWriter))

        let rolesWriter = ArtifactWriter(staging: staging, folder: "roles", dpi: output.dpi)
        let heads = results.headStatistics.statistics
        _ = try RoleArtifacts.write(.init(deltas: results.deltas, heads: heads, rule: rule, modelPath: modelPath, config: config,
                                          tokens: results.ablatedTokens,
                                          tokenCounts: corpora.flatMap { $0.passages.map(\.count) }), writer: rolesWriter)
        sections.append(.init(id: "roles", title: "Branch and head importance, head roles (paper Figs. 3, 13)", command: "roles",
                              intro: "What the model loses (ΔNLL) when one branch or head is zeroed, over \(results.deltas.passages) passages, and what each head does (role statistics over all \(totalPassages) passages).",
                              writer: rolesWriter))

        let magnitudeWriter = ArtifactWriter(staging: staging, folder: "magnitudes", dpi: output.dpi)
        let magnitudes = results.magnitudes.summary(weights: model.weights)
        _ = try MagnitudeArtifacts.write(magnitudes, passages: results.magnitudes.passages, tokens: totalTokens,
                                         modelPath: modelPath, config: config, writer: magnitudeWriter)
        sections.append(.init(id: "magnitudes", title: "Branch magnitudes (paper Fig. 12)", command: "magnitudes",
                              intro: "How large each branch's output is before the two are normalised and averaged, and the norm weights that rescale them.",
                              writer: magnitudeWriter))

        let entropyWriter = ArtifactWriter(staging: staging, folder: "entropy", dpi: output.dpi)
        let entropy = results.entropy.summary, entropyBare = results.entropyWithoutMeta.summary
        _ = try EntropyArtifacts.write(withMeta: entropy, withoutMeta: entropyBare, passages: totalPassages, tokens: totalTokens,
                                       modelPath: modelPath, config: config, writer: entropyWriter)
        sections.append(.init(id: "entropy", title: "Row entropy with and without meta tokens (paper Fig. 15)", command: "entropy",
                              intro: "How spread out each attention row and each SSM head's |implicit attention| row is, with the meta tokens and without them.",
                              writer: entropyWriter))

        let wallSeconds = Date().timeIntervalSince(start)
        let summary = ReportSummary(modelPath: modelPath, config: config, corpora: corpora, sinks: sinks, sinksWithoutMeta: sinksBare,
                                    meta: metaResults, deltas: results.deltas, heads: heads, rule: rule, magnitudes: magnitudes,
                                    entropy: entropy, entropyWithoutMeta: entropyBare,
                                    baseline: ReachBaseline(config: config, tokenCounts: corpora.flatMap { $0.passages.map(\.count) }),
                                    permutations: permutations,
                                    wallSeconds: wallSeconds, arguments: CommandLine.arguments.dropFirst().joined(separator: " "))
        try AtomicFileWriter.write(summary.json.serialized(), to: try staging.url(for: "summary.json"))
        try AtomicFileWriter.write(Data(ReportPage(summary: summary, sections: sections).html.utf8), to: try staging.url(for: "index.html"))
        try staging.commit()
        if !output.quiet {
            Progress.note("wrote \(output.out)/index.html, summary.json and \(sections.reduce(0) { $0 + $1.writer.figures.count }) figures in \(PassageProgress.clock(wallSeconds))")
        }
    }
}

/// The report's single pass over the passages, feeding every analysis's reducer.
struct ReportRun {
    let model: HymbaModel
    let corpora: [Corpus]
    let rolesPassages: Int?
    let quiet: Bool

    struct Results {
        var sinks: SinkAccumulator
        var sinksWithoutMeta: SinkAccumulator
        var collectors: [MetaProfileCollector]
        var magnitudes: BranchMagnitudeAccumulator
        var entropy: EntropyAccumulator
        var entropyWithoutMeta: EntropyAccumulator
        var headStatistics: HeadStatisticsAccumulator
        var deltas: DeltaNLLAccumulator
        var ablatedTokens = 0
    }

    /// Relative cost of one ablation pass per token, for the ETA (a resumed pass reruns about
    /// half the layers plus the LM head and the loss).
    static let ablationWork = 0.6

    func run() throws -> Results {
        let config = model.config, bare = model.withoutMetaTokens()
        let layers = config.hiddenLayers, heads = config.attentionHeads
        let ablations = AblationStudy.components(config: config)
        var results = Results(
            sinks: SinkAccumulator(layers: layers, heads: heads),
            sinksWithoutMeta: SinkAccumulator(layers: layers, heads: heads),
            collectors: corpora.map { MetaProfileCollector(name: $0.name, layers: Array(0..<layers), heads: heads, metaCount: config.memoryTokens) },
            magnitudes: BranchMagnitudeAccumulator(layers: layers),
            entropy: EntropyAccumulator(layers: layers, heads: heads),
            entropyWithoutMeta: EntropyAccumulator(layers: layers, heads: heads),
            headStatistics: HeadStatisticsAccumulator(layers: layers, heads: heads),
            deltas: DeltaNLLAccumulator(ablations: ablations))
        let plan = try CorpusRunner.plan(SinkAccumulator.requiredPoints + MetaProfileCollector.requiredPoints
                                         + BranchMagnitudeAccumulator.requiredPoints + EntropyAccumulator.requiredPoints
                                         + HeadStatisticsAccumulator.requiredPoints, config: config)
        let barePlan = try CorpusRunner.plan(SinkAccumulator.requiredPoints + EntropyAccumulator.requiredPoints, config: bare.config)

        func ablated(_ passage: Int) -> Bool { passage < (rolesPassages ?? Int.max) }
        func work(_ tokens: Int, _ passage: Int) -> Double {
            Double(tokens) * (2 + (ablated(passage) ? Self.ablationWork * Double(ablations.count) : 0))
        }
        let totalWork = corpora.reduce(0.0) { sum, corpus in
            sum + corpus.passages.enumerated().reduce(0.0) { $0 + work($1.element.count, $1.offset) }
        }
        let progress = PassageProgress(label: "report", totalPassages: corpora.reduce(0) { $0 + $1.passages.count },
                                       totalTokens: corpora.reduce(0) { $0 + $1.tokenCount }, totalWork: totalWork, quiet: quiet)
        for (d, corpus) in corpora.enumerated() {
            for (p, ids) in corpus.passages.enumerated() {
                let recorder = model.makeRecorder(plan: plan)
                _ = try model.forward(ids: ids, recorder: recorder)
                let recording = PassageRecording(recorder: recorder, tokenCount: ids.count)
                try results.sinks.add(recording)
                try results.collectors[d].add(recording)
                try results.magnitudes.add(recording)
                try results.entropy.add(recording)
                try results.headStatistics.add(recording)

                let bareRecorder = bare.makeRecorder(plan: barePlan)
                _ = try bare.forward(ids: ids, recorder: bareRecorder)
                let bareRecording = PassageRecording(recorder: bareRecorder, tokenCount: ids.count)
                try results.sinksWithoutMeta.add(bareRecording)
                try results.entropyWithoutMeta.add(bareRecording)

                if ablated(p) {
                    let losses = try AblationStudy.losses(model: model, ids: ids, ablations: ablations) { done, total in
                        if done % 8 == 0 || done == total { progress.detail("\(corpus.name) passage \(p + 1): ablation \(done)/\(total)") }
                    }
                    try results.deltas.add(losses)
                    results.ablatedTokens += ids.count
                }
                progress.passageDone(tokens: ids.count, work: work(ids.count, p))
            }
        }
        progress.finish()
        return results
    }
}
