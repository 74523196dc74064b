import ArgumentParser
import Foundation
import HymbaKit
import HymbaReport

/// The prompt set of a single-corpus analysis and how much of it to use.
struct CorpusOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Prompt set: UTF-8 text, passages separated by empty lines (each tokenized with BOS).", valueName: "file"))
    var prompts: String

    @OptionGroup var limits: CorpusLimits
}

/// Caps that keep long runs short.
struct CorpusLimits: ParsableArguments {
    @Option(name: .customLong("max-passages"), help: ArgumentHelp("Use only the first N passages of each prompt set.", valueName: "n"))
    var maxPassages: Int?

    @Option(name: .customLong("max-tokens"), help: ArgumentHelp("Cut each passage to its first N tokens (BOS included).", valueName: "n"))
    var maxTokens: Int?

    func validate() throws {
        if let maxPassages, maxPassages < 1 { throw ValidationError("--max-passages must be at least 1") }
        if let maxTokens, maxTokens < 2 { throw ValidationError("--max-tokens must be at least 2 (BOS and one token)") }
    }
}

/// Where and how an analysis writes its files.
struct AnalysisOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output folder: new (parents are created), empty, or an earlier hymba-lens output, whose files are replaced when the run succeeds; nothing changes on failure or Ctrl-C.", valueName: "dir"))
    var out: String

    @Flag(help: "Write into a folder that holds files hymba-lens did not write (they are kept, never replaced).")
    var force = false

    @Option(help: ArgumentHelp("Resolution of the PNG figures (SVGs are vector).", valueName: "dpi"))
    var dpi: Double = 144

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard dpi.isFinite, dpi >= 36, dpi <= 1200 else { throw ValidationError("--dpi must be between 36 and 1200") }
    }

    /// Checks before any work is done that the output folder may be written (`OutputFolder`).
    func checkedDestination() throws -> URL {
        let url = URL(fileURLWithPath: out).standardizedFileURL
        try OutputFolder.check(url, force: force)
        return url
    }

    /// The staging folder the run's files go into, committed by the caller.
    func staging(_ destination: URL) throws -> StagingDirectory {
        try StagingDirectory(destination: destination, force: force)
    }
}

/// How a corpus run relates to its journal and to other shards of the same run.
struct CorpusRunOptions: ParsableArguments {
    @Flag(help: "Continue the run whose journal is in --out (an interrupted run, a requeued job), or start it if there is none; a journal of another model, prompt set or options is refused.")
    var resume = false

    @Flag(help: "Discard a journal found in --out and start over.")
    var restart = false

    @Option(help: ArgumentHelp("Run only shard I of N (1 ≤ I ≤ N, passages balanced by work) and write a part for `hymba-lens merge`; 'auto' reads the Slurm array task or Kubernetes job index ('auto/N' for Kubernetes).", valueName: "I/N"))
    var shard: String?

    func validate() throws {
        if resume && restart { throw ValidationError("--resume and --restart exclude each other") }
    }

    /// The shard this process runs, nil for the whole run.
    func selection() throws -> ShardSelection? {
        guard let shard else { return nil }
        return try ShardSelection.parse(shard, environment: ProcessInfo.processInfo.environment)
    }
}
