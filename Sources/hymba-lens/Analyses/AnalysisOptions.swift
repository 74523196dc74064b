import ArgumentParser
import Foundation
import HymbaKit

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
