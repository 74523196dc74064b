import Foundation
import HymbaKit

/// `merge`: the shards of one run, checked to belong together and to be complete, folded in
/// passage order into the analyses the run declared — the same numbers, bit for bit, as one
/// process running every passage — and written as that run would have written them.
public enum PartMerge {
    /// One shard's journal, read.
    struct Part {
        let path: String
        let contents: Journal.Contents
    }

    /// The journal of a part given as its folder (or the journal file itself).
    static func journalURL(_ path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return url.appendingPathComponent(Journal.fileName)
        }
        return url
    }

    /// Reads and checks the parts; nothing is written.
    ///
    /// - Throws: `ReportError` naming the part at fault: not a part, from another run or
    ///   other options, a shard given twice or missing, or a part not finished.
    static func read(_ paths: [String]) throws -> (header: RunHeader, parts: [Part]) {
        guard !paths.isEmpty else { throw ReportError("give the folders of every shard (hymba-lens merge PART… --out DIR)") }
        var parts: [Part] = []
        for path in paths {
            let url = journalURL(path)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ReportError("\(path) holds no hymba-lens journal (\(Journal.fileName)): is it the --out folder of a `--shard` run?")
            }
            let contents = try Journal.read(url)
            if let dropped = contents.droppedTail {
                throw ReportError("\(path) is not finished: \(dropped); continue that shard with its command and --resume (\(contents.header.commandLine))")
            }
            parts.append(Part(path: path, contents: contents))
        }
        let first = parts[0]
        for part in parts.dropFirst() {
            if let difference = first.contents.header.difference(from: part.contents.header, comparingShard: false,
                                                                   here: "in \(first.path)", there: "in \(part.path)") {
                throw ReportError("\(part.path) and \(first.path) are parts of different runs: \(difference)")
            }
        }
        let count = first.contents.header.shard?.count ?? 1
        var byIndex: [Int: Part] = [:]
        for part in parts {
            let index = part.contents.header.shard?.index ?? 1
            if let other = byIndex[index] {
                throw ReportError("shard \(index)/\(count) is given twice: \(other.path) and \(part.path)")
            }
            byIndex[index] = part
        }
        let missing = (1...count).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            throw ReportError("the run has \(count) shards and \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") missing (given: \(byIndex.keys.sorted().map { "\($0)/\(count)" }.joined(separator: ", ")))")
        }
        for part in parts {
            let header = part.contents.header
            let own = Set(header.ownPassages.map(\.global)), done = Set(part.contents.records.map(\.passage))
            if !own.isSubset(of: done) {
                let shard = header.shard.map { "shard \($0.index)/\($0.count)" } ?? "the run"
                throw ReportError("\(part.path) holds \(shard) with \(own.intersection(done).count) of \(own.count) passages done: finish it with its command and --resume (\(header.commandLine))")
            }
        }
        // The shards' passages must cover the run exactly once.
        var owner: [Int: String] = [:]
        for part in parts {
            for passage in part.contents.header.ownPassages.map(\.global) {
                if let other = owner[passage] {
                    throw ReportError("passage \(passage + 1) of the run is in both \(other) and \(part.path): the parts were not split by one --shard count")
                }
                owner[passage] = part.path
            }
        }
        let total = first.contents.header.passages.count
        if owner.count != total {
            throw ReportError("the parts hold \(owner.count) of the run's \(total) passages")
        }
        return (first.contents.header, parts)
    }

    /// Merges the parts into the outputs of the run they belong to.
    ///
    /// - Returns: what was written and a note on the shards (passages and passage-loop time of each).
    public static func merge(_ paths: [String], into destination: URL, force: Bool, dpi: Double,
                             arguments: String, started: Date) throws -> (written: RunOutputs.Written, shards: [String]) {
        let (header, parts) = try read(paths)
        var unsharded = header
        unsharded.shard = nil
        let run = try unsharded.description()
        var analyses = try unsharded.emptyAnalyses(run)
        var records: [PassageRecord] = []
        for part in parts {
            let own = Set(part.contents.header.ownPassages.map(\.global))
            records += part.contents.records.filter { own.contains($0.passage) }
        }
        for record in records.sorted(by: { $0.passage < $1.passage }) {
            for (i, partial) in record.partials.enumerated() { try analyses[i].absorb(partial.bytes, run: run) }
        }
        let shards = parts.sorted { ($0.contents.header.shard?.index ?? 1) < ($1.contents.header.shard?.index ?? 1) }.map { part -> String in
            let shard = part.contents.header.shard.map { "\($0.index)/\($0.count)" } ?? "1/1"
            let seconds = part.contents.records.reduce(0.0) { $0 + $1.seconds }
            return "shard \(shard): \(part.contents.header.ownPassages.count) passages in \(RunProgress.clock(seconds))"
        }
        let note = "merged from \(parts.count) shards (\(shards.joined(separator: "; ")))"
        let written = try RunOutputs.writeArtifacts(analyses: analyses, run: run, command: header.command, into: destination,
                                                    force: force, dpi: dpi, arguments: arguments, started: started, runNote: note,
                                                    viewer: nil)
        return (written, shards)
    }
}
