import Foundation
import HymbaAnalysis
import HymbaKit

/// One pass over a run's passages feeding every analysis, durable and shardable.
///
/// For each passage (in order) the union of what the analyses need runs once — a recorded pass
/// with meta tokens, one without, the clean run and each ablation — and every analysis's
/// partial for that passage alone goes into the journal (`Journal`) before the next passage
/// starts. A resumed run folds the journal's partials back in the same order, so its numbers
/// are bit for bit those of an uninterrupted run; a shard computes its share of the passages
/// (`ShardAssignment`) and `PartMerge` folds the shards' partials in passage order.
///
/// Before the first passage it prints the plan — how many passes of each kind — and an ETA
/// from a calibration on the first passage, whose every result is kept.
public final class CorpusRun {
    public struct Request {
        /// The subcommand whose outputs the run writes (`report`, `sinks`, …).
        public var command: String
        /// The command line, kept in the journal for messages.
        public var commandLine: String
        /// Progress label ("report", "sinks (with meta tokens)" …).
        public var label: String
        public var analyses: [any CorpusAnalysis]
        public var corpora: [Corpus]
        public var checkpoint: Checkpoint
        /// As shown in outputs.
        public var modelPath: String
        public var maxPassages: Int?
        public var maxTokens: Int?
        public var shard: ShardSelection?
        /// The output folder (`--out`), which holds the journal.
        public var folder: URL
        /// Continue the journal in `folder` if there is one.
        public var resume: Bool
        /// Discard a journal in `folder` and start over.
        public var restart: Bool
        public var quiet: Bool
        /// Lines the plan shows after the pass counts (e.g. how the defaults were chosen).
        public var planNotes: [String]
        public var loadModel: () throws -> HymbaModel

        public init(command: String, commandLine: String, label: String, analyses: [any CorpusAnalysis], corpora: [Corpus],
                    checkpoint: Checkpoint, modelPath: String, maxPassages: Int?, maxTokens: Int?, shard: ShardSelection?,
                    folder: URL, resume: Bool, restart: Bool, quiet: Bool, planNotes: [String] = [],
                    loadModel: @escaping () throws -> HymbaModel) {
            self.command = command
            self.commandLine = commandLine
            self.label = label
            self.analyses = analyses
            self.corpora = corpora
            self.checkpoint = checkpoint
            self.modelPath = modelPath
            self.maxPassages = maxPassages
            self.maxTokens = maxTokens
            self.shard = shard
            self.folder = folder
            self.resume = resume
            self.restart = restart
            self.quiet = quiet
            self.planNotes = planNotes
            self.loadModel = loadModel
        }
    }

    /// What a finished run hands to the writers.
    public struct Result {
        public let analyses: [any CorpusAnalysis]
        public let run: RunDescription
        let header: RunHeader
        let journal: Journal
        /// Passages computed by this process and found in the journal.
        public let computed: Int
        public let journaled: Int
        /// Seconds of this process's passage loop.
        public let loopSeconds: Double
    }

    let request: Request
    private var label: String

    public init(_ request: Request) {
        self.request = request
        label = request.label + (request.shard.map { " (shard \($0))" } ?? "")
    }

    private func note(_ text: String) {
        if !request.quiet { ProgressLine.note(text) }
    }

    /// A run description for setting up analyses before the run (the norm weights are filled
    /// in from the model or the journal later; nothing before writing reads them).
    public static func description(config: HymbaConfig, modelPath: String, corpora: [Corpus]) -> RunDescription {
        RunDescription(config: config, modelPath: modelPath,
                       domains: corpora.map { DomainDescription(name: $0.name, path: $0.path, tokenCounts: $0.passages.map(\.count)) },
                       normWeights: NormWeightMeans(attention: [], ssm: []))
    }

    /// What every analysis needs of a passage.
    static func needs(_ passage: PassageRef, analyses: [any CorpusAnalysis], run: RunDescription) -> PassageNeeds {
        var needs = PassageNeeds.nothing
        for analysis in analyses { needs.formUnion(analysis.needs(passage, run: run)) }
        return needs
    }

    public func execute() throws -> Result {
        let config = request.checkpoint.config
        let draft = Self.description(config: config, modelPath: request.modelPath, corpora: request.corpora)
        let all = draft.passages
        let allNeeds = all.map { Self.needs($0, analyses: request.analyses, run: draft) }
        var shardIdentity: RunHeader.Shard?
        if let shard = request.shard {
            let work = PassageWork(config: config)
            let estimates = zip(all, allNeeds).map { work.passage(tokens: $0.tokenCount, needs: $1) }
            let assignment = ShardAssignment.assign(work: estimates, count: shard.count)
            shardIdentity = RunHeader.Shard(index: shard.index, count: shard.count, passages: assignment[shard.index - 1])
        }
        let digests = try request.corpora.map { try Self.fileDigest($0.path) }
        var identity = try RunHeader(command: request.command, commandLine: request.commandLine, checkpoint: request.checkpoint,
                                     modelPath: request.modelPath, corpora: request.corpora, promptDigests: digests,
                                     maxPassages: request.maxPassages, maxTokens: request.maxTokens, analyses: request.analyses,
                                     normWeights: NormWeightMeans(attention: [], ssm: []), shard: shardIdentity)

        let journalURL = request.folder.appendingPathComponent(Journal.fileName)
        var model: HymbaModel?
        var journal: Journal
        if FileManager.default.fileExists(atPath: journalURL.path), !request.restart {
            guard request.resume else {
                let done = (try? Journal.read(journalURL)).map { "\($0.records.count) of \($0.header.ownPassages.count) passages done" } ?? "unreadable"
                throw ReportError("\(request.folder.path) holds the journal of an earlier run (\(done)): pass --resume to continue it, or --restart to discard it and start over")
            }
            let (opened, dropped) = try Journal.resume(at: journalURL)
            if let difference = identity.difference(from: opened.header) {
                throw ReportError("\(journalURL.path) belongs to another run: \(difference); continue it with the command that started it (\(opened.header.commandLine)), or pass --restart to discard it")
            }
            journal = opened
            if let dropped { note("\(label): \(dropped); its passage is computed again") }
            note("\(label): resuming \(journalURL.path): \(journal.records.count) of \(identity.ownPassages.count) passages done")
        } else {
            if request.restart, FileManager.default.fileExists(atPath: journalURL.path) {
                try Journal.discard(at: journalURL)
                note("\(label): discarded the journal in \(request.folder.path)")
            }
            let loaded = try request.loadModel()
            model = loaded
            let norms = NormWeightMeans(weights: loaded.weights)
            identity.model.attentionNorm = norms.attention.map(RunHeader.bits)
            identity.model.ssmNorm = norms.ssm.map(RunHeader.bits)
            do {
                try FileManager.default.createDirectory(at: request.folder, withIntermediateDirectories: true)
            } catch {
                throw ReportError("cannot create \(request.folder.path): \(error.localizedDescription)")
            }
            journal = try Journal.create(at: journalURL, header: identity)
        }

        let header = journal.header
        // The journal's model facts, with this process's paths (a resumed run may see them moved).
        let stored = try header.description()
        let run = RunDescription(config: stored.config, modelPath: request.modelPath, domains: draft.domains, normWeights: stored.normWeights)
        var analyses = request.analyses
        for record in journal.records.sorted(by: { $0.passage < $1.passage }) {
            for (i, partial) in record.partials.enumerated() { try analyses[i].absorb(partial.bytes, run: run) }
        }
        let done = Set(journal.records.map(\.passage))
        let own = header.ownPassages
        let remaining = own.filter { !done.contains($0.global) }
        let progress = RunProgress(label: label, totalPassages: own.count, journaled: own.count - remaining.count, quiet: request.quiet)
        let loopStart = Date()
        if !remaining.isEmpty {
            let loaded = try model ?? request.loadModel()
            var loop = PassageLoop(model: loaded, run: run, analyses: analyses, corpora: request.corpora, needs: allNeeds,
                                   progress: progress, journal: journal)
            try loop.calibrateAndPlan(remaining: remaining, own: own, header: header, notes: request.planNotes, label: label,
                                      quiet: request.quiet)
            for passage in remaining { try loop.run(passage, remaining: remaining) }
            analyses = loop.analyses
            progress.finish()
        } else {
            note("\(label): all \(own.count) passages are in the journal; writing the outputs")
        }
        return Result(analyses: analyses, run: run, header: header, journal: journal,
                      computed: remaining.count, journaled: own.count - remaining.count,
                      loopSeconds: Date().timeIntervalSince(loopStart))
    }

    /// SHA-256 of a prompt file's bytes.
    static func fileDigest(_ path: String) throws -> String {
        do {
            return SHA256.hex(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        } catch {
            throw ReportError("cannot read \(path): \(error.localizedDescription)")
        }
    }
}

/// The passes of each passage, their timing, the plan and the ETA.
struct PassageLoop {
    let model: HymbaModel
    let bare: HymbaModel
    let run: RunDescription
    var analyses: [any CorpusAnalysis]
    let corpora: [Corpus]
    /// Per global passage.
    let needs: [PassageNeeds]
    let progress: RunProgress
    let journal: Journal
    var rates: PassRates
    private var plans: [String: RecordingPlan] = [:]
    /// Results of the calibration on the first passage, used when that passage runs.
    private var calibrated: (passage: Int, withMeta: PassageRecording?, withoutMeta: PassageRecording?,
                             ablationRun: AblationRun?, losses: [Ablation: [Double]], seconds: Double)?

    init(model: HymbaModel, run: RunDescription, analyses: [any CorpusAnalysis], corpora: [Corpus], needs: [PassageNeeds],
         progress: RunProgress, journal: Journal) {
        self.model = model
        bare = model.withoutMetaTokens()
        self.run = run
        self.analyses = analyses
        self.corpora = corpora
        self.needs = needs
        self.progress = progress
        self.journal = journal
        rates = PassRates(config: model.config)
    }

    private func ids(_ passage: PassageRef) -> [Int] { corpora[passage.domain].passages[passage.index] }

    private mutating func plan(_ points: [HookPoint: PassageNeeds.Layers], on model: HymbaModel) throws -> RecordingPlan? {
        guard !points.isEmpty else { return nil }
        let key = "M=\(model.config.memoryTokens) " + PassageNeeds.specification(points)
        if let plan = plans[key] { return plan }
        let plan = try PassageNeeds.plan(points, config: model.config)
        plans[key] = plan
        return plan
    }

    private mutating func record(_ points: [HookPoint: PassageNeeds.Layers], ids: [Int], on model: HymbaModel) throws -> (PassageRecording, Double)? {
        guard let plan = try plan(points, on: model) else { return nil }
        let start = Date()
        let recorder = model.makeRecorder(plan: plan)
        _ = try model.forward(ids: ids, recorder: recorder)
        return (PassageRecording(recorder: recorder, tokenCount: ids.count), Date().timeIntervalSince(start))
    }

    /// Times every kind of pass the remaining passages need on the first of them — keeping
    /// each result for when that passage runs — and prints the plan with its ETA.
    mutating func calibrateAndPlan(remaining: [PassageRef], own: [PassageRef], header: RunHeader, notes: [String], label: String,
                                   quiet: Bool) throws {
        guard let first = remaining.first else { return }
        let firstNeeds = needs[first.global], ids = self.ids(first)
        let start = Date()
        // Once-per-model work (the meta tokens' cached prefix) would otherwise inflate the first
        // timing: a one-token pass does it before anything is timed.
        _ = try model.forward(ids: [ids[0]], logitRows: .last)
        var withMeta: PassageRecording?, withoutMeta: PassageRecording?
        if let (recording, seconds) = try record(firstNeeds.withMeta, ids: ids, on: model) {
            withMeta = recording
            rates.timedWithMeta(seconds, tokens: ids.count)
        }
        if let (recording, seconds) = try record(firstNeeds.withoutMeta, ids: ids, on: bare) {
            withoutMeta = recording
            rates.timedWithoutMeta(seconds, tokens: ids.count)
        }
        var ablationRun: AblationRun?
        var losses: [Ablation: [Double]] = [:]
        var throwaway = 0
        if remaining.contains(where: { !needs[$0.global].ablations.isEmpty }) {
            // The most and the least expensive ablations: the lowest and the highest layer.
            var probes = firstNeeds.ablations
            if probes.isEmpty {
                probes = [Ablation(layer: 0, .attentionBranch), Ablation(layer: run.config.hiddenLayers - 1, .attentionBranch)]
                throwaway = 3
            }
            let lowest = probes.min { $0.layer < $1.layer }!, highest = probes.max { $0.layer < $1.layer }!
            let cleanStart = Date()
            let ablations = try AblationRun(model: model, ids: ids)
            rates.timedClean(Date().timeIntervalSince(cleanStart), tokens: ids.count)
            for probe in Set([highest, lowest]).sorted(by: { $0.layer > $1.layer }) {
                let probeStart = Date()
                losses[probe] = try ablations.loss(probe)
                rates.timedAblation(Date().timeIntervalSince(probeStart), tokens: ids.count, layer: probe.layer)
            }
            if throwaway == 0 { ablationRun = ablations } else { losses = [:] }
        }
        calibrated = (first.global, withMeta, withoutMeta, ablationRun, losses, Date().timeIntervalSince(start))
        guard !quiet else { return }

        // The plan.
        let passes = remaining.map { needs[$0.global] }
        let tokens = remaining.reduce(0) { $0 + $1.tokenCount }
        let withCount = passes.filter { !$0.withMeta.isEmpty }.count, withoutCount = passes.filter { !$0.withoutMeta.isEmpty }.count
        let ablated = passes.filter { !$0.ablations.isEmpty }
        let partial = ablated.reduce(0) { $0 + $1.ablations.count }
        let scope = own.count == run.totalPassages ? "" : " of \(run.totalPassages)"
        let journaled = own.count - remaining.count
        var lines = ["\(label): plan for \(own.count)\(scope) passages" + (journaled > 0 ? " (\(journaled) in the journal, \(remaining.count) to run)" : "")
                     + ": \(Self.grouped(tokens)) tokens to run; \(withCount) recorded passes with meta tokens, \(withoutCount) without"
                     + (ablated.isEmpty ? "; no ablations" : "; \(Self.grouped(partial)) ablation passes on \(ablated.count) passages (+ \(ablated.count) clean runs)")]
        lines += notes.map { "\(label): \($0)" }
        var timing: [String] = []
        if let r = rates.withMeta.perUnit { timing.append(String(format: "%.2f s with meta tokens", r * Double(run.config.memoryTokens + ids.count))) }
        if let r = rates.withoutMeta.perUnit { timing.append(String(format: "%.2f s without", r * Double(ids.count))) }
        if let r = rates.clean.perUnit { timing.append(String(format: "%.2f s clean run", r * Double(ids.count))) }
        if let low = rates.ablation.seconds(tokens: ids.count, layersRerun: 1),
           let high = rates.ablation.seconds(tokens: ids.count, layersRerun: run.config.hiddenLayers) {
            timing.append(String(format: "ablations %.2f s (last layer) to %.2f s (first layer)", low, high))
        }
        lines.append("\(label): calibrated on \(run.domains[first.domain].name) passage \(first.index + 1) (\(ids.count) tokens): "
                     + timing.joined(separator: ", ") + (throwaway > 0 ? " (\(throwaway) extra passes to time the ablations)" : ""))
        let eta = estimate(remaining: remaining, current: first, losses: losses, ablationRun: ablationRun != nil,
                           recorded: true)
        progress.remainingSeconds = eta
        lines.append("\(label): ETA \(RunProgress.clock(eta)) for the passes" + (eta > 0 ? ", then the figures and tables" : ""))
        for line in lines { ProgressLine.note(line) }
    }

    /// Seconds left: what `current` still needs (its recordings, clean run and ablations not yet
    /// done) plus everything of the passages after it.
    func estimate(remaining: [PassageRef], current: PassageRef, losses: [Ablation: [Double]], ablationRun: Bool, recorded: Bool) -> Double {
        var total = 0.0
        for passage in remaining where passage.global >= current.global {
            let need = needs[passage.global]
            let seconds: Double?
            if passage.global == current.global {
                seconds = rates.seconds(tokens: passage.tokenCount, withMeta: !recorded && !need.withMeta.isEmpty,
                                        withoutMeta: !recorded && !need.withoutMeta.isEmpty,
                                        clean: !ablationRun && !need.ablations.isEmpty,
                                        ablations: need.ablations.filter { losses[$0] == nil })
            } else {
                seconds = rates.seconds(tokens: passage.tokenCount, needs: need)
            }
            total += seconds ?? 0
        }
        return total
    }

    /// Computes one passage, journals it and folds it in.
    mutating func run(_ passage: PassageRef, remaining: [PassageRef]) throws {
        let need = needs[passage.global], ids = self.ids(passage)
        let start = Date()
        var withMeta: PassageRecording?, withoutMeta: PassageRecording?
        var ablationRun: AblationRun?
        var losses: [Ablation: [Double]] = [:]
        var spent = 0.0
        if let calibration = calibrated, calibration.passage == passage.global {
            (withMeta, withoutMeta, ablationRun, losses, spent) = (calibration.withMeta, calibration.withoutMeta, calibration.ablationRun,
                                                                  calibration.losses, calibration.seconds)
            calibrated = nil
        } else {
            if let (recording, seconds) = try record(need.withMeta, ids: ids, on: model) {
                withMeta = recording
                rates.timedWithMeta(seconds, tokens: ids.count)
            }
            if let (recording, seconds) = try record(need.withoutMeta, ids: ids, on: bare) {
                withoutMeta = recording
                rates.timedWithoutMeta(seconds, tokens: ids.count)
            }
        }
        let label = "\(run.domains[passage.domain].name) passage \(passage.index + 1)"
        if !need.ablations.isEmpty {
            if ablationRun == nil {
                let cleanStart = Date()
                ablationRun = try AblationRun(model: model, ids: ids)
                rates.timedClean(Date().timeIntervalSince(cleanStart), tokens: ids.count)
            }
            let total = need.ablations.count
            for ablation in need.ablations where losses[ablation] == nil {
                let ablationStart = Date()
                losses[ablation] = try ablationRun!.loss(ablation)
                rates.timedAblation(Date().timeIntervalSince(ablationStart), tokens: ids.count, layer: ablation.layer)
                let done = losses.count
                if done % 8 == 0 || done == total {
                    progress.remainingSeconds = estimate(remaining: remaining, current: passage, losses: losses, ablationRun: true, recorded: true)
                    progress.detail("\(label): ablation \(done)/\(total)")
                }
            }
        }
        let outcome = PassageOutcome(passage: passage, withMeta: withMeta, withoutMeta: withoutMeta,
                                     cleanLoss: ablationRun?.cleanLoss, ablatedLosses: losses)
        let partials = try analyses.map { PassageRecord.Partial(analysis: $0.analysisName, bytes: try $0.contribution(of: outcome, run: run)) }
        try journal.append(PassageRecord(passage: passage, ids: RunHeader.idsDigest(ids), seconds: spent + Date().timeIntervalSince(start),
                                         partials: partials))
        for (i, partial) in partials.enumerated() { try analyses[i].absorb(partial.bytes, run: run) }
        if let next = remaining.first(where: { $0.global > passage.global }) {
            progress.remainingSeconds = estimate(remaining: remaining, current: next, losses: [:], ablationRun: false, recorded: false)
        } else {
            progress.remainingSeconds = 0
        }
        progress.passageDone(tokens: ids.count)
    }

    /// 12345 → "12,345".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }
}
