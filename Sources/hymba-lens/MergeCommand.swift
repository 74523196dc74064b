import ArgumentParser
import Foundation
import HymbaKit
import HymbaReport

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the parts of a sharded run (report … --shard I/N) into the outputs one run would write.",
        discussion: """
        Each PART is the --out folder of one shard (or its .hymba-lens-journal file). merge \\
        checks that the parts belong to one run — same command, model weights, prompt sets, \\
        limits and options, one --shard count — that every shard is there exactly once and that \\
        each is complete, then folds every passage's partial results in passage order, so the \\
        numbers are exactly those of a single run, and writes that run's outputs to --out: for \\
        `report` the whole report (index.html, summary.json, one folder per analysis), for an \\
        analysis subcommand its figures and tables. The parts are left as they are.

        A part that is not finished names the command to continue it (the shard's own command \\
        with --resume). See docs/cluster.md for Slurm and Kubernetes.

        Examples:
          hymba-lens merge parts/1 parts/2 parts/3 --out report
          hymba-lens merge parts/* --out report
        """)

    @Argument(help: ArgumentHelp("The output folders of the shards, in any order.", valueName: "part"))
    var parts: [String] = []

    @OptionGroup var output: AnalysisOutputOptions

    func validate() throws {
        guard !parts.isEmpty else { throw ValidationError("give the output folders of the shards to merge") }
    }

    func run() throws {
        let started = Date()
        let destination = try output.checkedDestination()
        let arguments = CommandLine.arguments.dropFirst().joined(separator: " ")
        let (written, shards) = try PartMerge.merge(parts, into: destination, force: output.force, dpi: output.dpi, arguments: arguments, started: started)
        if !output.quiet {
            for shard in shards { Progress.note("merge: \(shard)") }
            Progress.note("wrote \(output.out)/ (\(written.isReport ? "index.html, summary.json and " : "")\(written.figures) figures, \(written.tables) tables) in \(RunProgress.clock(Date().timeIntervalSince(started)))")
        }
    }
}
