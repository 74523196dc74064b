import Foundation
import HymbaKit

/// Writes what a corpus run produced into its output folder, through a `StagingDirectory`, so
/// the files appear only when all of them were written:
///
/// - an unsharded run (or a merge): every analysis's artifacts — at the top of the folder for a
///   subcommand, in one folder per analysis plus index.html and summary.json for `report` —
///   after which the run's journal is removed (its numbers now live in the outputs);
/// - a shard: `part.json`, a readable note of what the folder holds; the journal beside it is
///   the part `merge` reads.
public enum RunOutputs {
    /// What was written.
    public struct Written {
        public var figures = 0
        public var tables = 0
        /// The first analysis's main JSON table (`sinks --json`).
        public var table: JSONTree?
        /// index.html and summary.json were written.
        public var isReport = false
    }

    /// The outputs of a finished run.
    ///
    /// - Parameters:
    ///   - arguments: the command line after the program name (summary.json, index.html).
    ///   - started: when the command started (the report's wall time).
    ///   - viewer: the report's interactive page (unsharded `report` runs).
    public static func write(_ result: CorpusRun.Result, into destination: URL, force: Bool, dpi: Double,
                             arguments: String, started: Date, viewer: ReportViewer? = nil) throws -> Written {
        if let shard = result.header.shard {
            try writePart(result, shard: shard, into: destination, force: force)
            return Written()
        }
        var note = ""
        if result.journaled > 0 {
            note = "resumed: \(result.journaled) of \(result.journaled + result.computed) passages came from the journal of an interrupted run"
        }
        let written: Written
        do {
            written = try writeArtifacts(analyses: result.analyses, run: result.run, command: result.header.command, into: destination,
                                         force: force, dpi: dpi, arguments: arguments, started: started, runNote: note,
                                         viewer: viewer)
        } catch {
            // The passages are done; only writing failed. Say where they are kept.
            throw ReportError("\(error); the computed passages are kept in \(result.journal.url.path): fix this and run the same command with --resume to write the outputs without computing them again")
        }
        try? FileManager.default.removeItem(at: result.journal.url)
        return written
    }

    /// Every analysis's files, and for `report` the page and summary.
    static func writeArtifacts(analyses: [any CorpusAnalysis], run: RunDescription, command: String, into destination: URL,
                               force: Bool, dpi: Double, arguments: String, started: Date, runNote: String,
                               viewer: ReportViewer?) throws -> Written {
        let staging = try StagingDirectory(destination: destination, force: force)
        let layout: ArtifactLayout = command == "report" ? .report : .alone
        var written = Written()
        var sections: [ReportSection] = [], members: [(key: String, value: JSONTree)] = [], headlines = ""
        for analysis in analyses {
            let writer = ArtifactWriter(staging: staging, folder: layout == .report ? analysis.analysisName : nil, dpi: dpi)
            let output = try analysis.write(to: writer, layout: layout, run: run)
            written.figures += writer.figures.count
            written.tables += writer.tables.count
            written.table = written.table ?? output.table
            if let section = output.section { sections.append(section) }
            if let summary = output.summary { members.append(summary) }
            headlines += output.headlineHTML
        }
        if layout == .report {
            var viewerNote = "No interactive view: a merged report has no model loaded; run hymba-lens view MODEL --text-file PASSAGE --out view.html beside it."
            var viewerFile: String?
            if let viewer {
                let outcome = viewer.write(to: try staging.url(for: ReportViewer.fileName))
                viewerNote = outcome.note
                viewerFile = outcome.written ? ReportViewer.fileName : nil
            }
            let summary = ReportSummary(run: run, members: members, wallSeconds: Date().timeIntervalSince(started),
                                        arguments: arguments, runNote: runNote)
            try AtomicFileWriter.write(summary.json.serialized(), to: try staging.url(for: "summary.json"))
            try AtomicFileWriter.write(Data(ReportPage(summary: summary, sections: sections, headlines: headlines,
                                                       viewer: (viewerFile, viewerNote)).html.utf8),
                                       to: try staging.url(for: "index.html"))
            written.isReport = true
        }
        try staging.commit()
        return written
    }

    /// `part.json`: which shard of which run the folder holds and how to merge it.
    private static func writePart(_ result: CorpusRun.Result, shard: RunHeader.Shard, into destination: URL, force: Bool) throws {
        let seconds = result.journal.records.reduce(0.0) { $0 + $1.seconds }
        let tokens = result.header.ownPassages.reduce(0) { $0 + $1.tokenCount }
        let tree = JSONTree.object([
            ("tool", .string("hymba-lens")),
            ("part_of", .string(result.header.command)),
            ("shard", .string("\(shard.index)/\(shard.count)")),
            ("passages", .integer(shard.passages.count)),
            ("tokens", .integer(tokens)),
            ("run_passages", .integer(result.header.passages.count)),
            ("passage_seconds", .number(seconds)),
            ("journal", .string(Journal.fileName)),
            ("command", .string(result.header.commandLine)),
            ("merge", .string("hymba-lens merge PART_1 … PART_\(shard.count) --out DIR (every shard's folder, in any order)")),
        ])
        let staging = try StagingDirectory(destination: destination, force: force)
        try AtomicFileWriter.write(tree.serialized(), to: try staging.url(for: "part.json"))
        try staging.commit()
    }
}
