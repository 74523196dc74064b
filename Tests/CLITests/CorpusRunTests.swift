import Foundation
import XCTest

/// Corpus runs that survive interruption and spread over machines, end to end: shards merged
/// equal the single run; a run killed with SIGKILL and resumed equals the single run; a torn or
/// damaged last journal record is redone; mismatched, duplicate, missing or unfinished parts and
/// foreign journals are refused with messages naming the problem.
final class CorpusRunTests: XCTestCase {
    var directory: URL!
    var domains: [String] = []

    override func setUpWithError() throws {
        directory = try CLI.temporaryDirectory("corpus-run")
        let prose = ["The river flows north through the desert and into the sea.", "Green plants convert light energy into sugar.",
                     "The printing press was developed in Mainz around 1450.", "Glaciers carve valleys over thousands of years."]
        let code = ["def add(a, b):\n    return a + b", "for i in range(10):\n    print(i * i)", "let total = values.reduce(0, +)",
                    "int main(void) { return 0; }", "while queue:\n    node = queue.pop()"]
        domains = []
        for (name, passages) in [("prose", prose), ("code", code)] {
            let url = directory.appendingPathComponent("\(name).txt")
            try Data(passages.joined(separator: "\n\n").utf8).write(to: url)
            domains += ["--domain", "\(name)=\(url.path)"]
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A small report: 9 passages, branch ablations on 2 per domain, head ablations on 1.
    func report(_ out: URL, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["report", CLI.bundledModel.path] + domains + ["--max-tokens", "20", "--branch-ablation-passages", "2",
                     "--head-ablation-passages", "1", "--permutations", "30", "--out", out.path] + extra)
    }

    func path(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Every JSON and CSV file of two output folders is byte-identical; summary.json too, but for
    /// the command line and the wall time.
    func assertSameOutputs(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let tables = { (folder: URL) in CLI.contents(of: folder).filter { $0.hasSuffix(".json") || $0.hasSuffix(".csv") }.filter { !$0.hasPrefix(".") } }
        XCTAssertEqual(tables(a), tables(b), file: file, line: line)
        XCTAssertGreaterThan(tables(a).count, 10, file: file, line: line)
        for name in tables(a) where name != "summary.json" {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(name)), try Data(contentsOf: b.appendingPathComponent(name)),
                           name, file: file, line: line)
        }
        func summary(_ folder: URL) throws -> NSDictionary {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as? [String: Any])
            return NSDictionary(dictionary: object.filter { $0.key != "command" && $0.key != "wall_seconds" })
        }
        XCTAssertEqual(try summary(a), try summary(b), "summary.json", file: file, line: line)
    }

    /// Byte offsets where each record of a journal starts, and the file's length.
    static func recordStarts(_ journal: URL) throws -> (starts: [Int], length: Int) {
        let bytes = [UInt8](try Data(contentsOf: journal))
        var offset = "hymba-lens journal 1\n".utf8.count, starts: [Int] = []
        while offset + 4 <= bytes.count {
            starts.append(offset)
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            offset += 9 + length
        }
        return (starts, bytes.count)
    }

    func testShardsMergedEqualTheSingleRun() throws {
        let single = path("single")
        let run = try report(single)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("report: plan for 9 passages"), run.stderr)
        XCTAssertTrue(run.stderr.contains("ETA"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: single.appendingPathComponent(".hymba-lens-journal").path),
                       "a finished run's journal is removed")
        let roles = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: single.appendingPathComponent("roles/roles.json"))) as? [String: Any])
        XCTAssertEqual(roles["branch_ablation_passages"] as? Int, 4)
        XCTAssertEqual(roles["head_ablation_passages"] as? Int, 2)

        var parts: [String] = []
        var passages = 0
        for i in 1...3 {
            let part = path("parts/\(i)")
            let shard = try report(part, ["--shard", "\(i)/3"])
            XCTAssertEqual(shard.status, 0, shard.stderr)
            XCTAssertTrue(shard.stderr.contains("report (shard \(i)/3)"), shard.stderr)
            let note = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: part.appendingPathComponent("part.json"))) as? [String: Any])
            XCTAssertEqual(note["shard"] as? String, "\(i)/3")
            passages += note["passages"] as? Int ?? 0
            XCTAssertFalse(FileManager.default.fileExists(atPath: part.appendingPathComponent("index.html").path), "a part is not a report")
            parts.append(part.path)
        }
        XCTAssertEqual(passages, 9, "the shards split the passages")

        let merged = path("merged")
        let merge = try CLI.run(["merge"] + parts.reversed() + ["--out", merged.path])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        try assertSameOutputs(single, merged)
        let html = try String(contentsOf: merged.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("merged from 3 shards"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: merged.appendingPathComponent("view.html").path), "merge has no model for the view")
        XCTAssertTrue(html.contains("hymba-lens view MODEL"), "and says how to make one")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("parts/2/.hymba-lens-journal").path), "parts are left as they were")

        // Parts that do not make one run.
        let out = path("refused")
        assertFails(try CLI.run(["merge", parts[0], parts[1], "--out", out.path]), mentioning: "3/3 is missing")
        assertFails(try CLI.run(["merge", parts[0], parts[1], parts[1], "--out", out.path]), mentioning: "shard 2/3 is given twice")
        assertFails(try CLI.run(["merge", directory.path, "--out", out.path]), mentioning: "holds no hymba-lens journal")
        let other = path("other/3")
        XCTAssertEqual(try report(other, ["--shard", "3/3", "--permutations", "31", "--quiet"]).status, 0)
        assertFails(try CLI.run(["merge", parts[0], parts[1], other.path, "--out", out.path]), mentioning: "--permutations is 31")
        let halves = path("halves/2")
        XCTAssertEqual(try report(halves, ["--shard", "2/2", "--quiet"]).status, 0)
        assertFails(try CLI.run(["merge", parts[0], halves.path, "--out", out.path]), mentioning: "split into 2 shards")

        // An unfinished part: its last passage record cut off.
        let journal = URL(fileURLWithPath: parts[2]).appendingPathComponent(".hymba-lens-journal")
        let (starts, _) = try Self.recordStarts(journal)
        try Data(try Data(contentsOf: journal).prefix(starts.last!)).write(to: journal)
        let unfinished = try CLI.run(["merge"] + parts + ["--out", out.path])
        assertFails(unfinished, mentioning: "passages done")
        XCTAssertTrue(unfinished.stderr.contains("--shard 3/3"), "names the command to finish it: \(unfinished.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")

        // Finishing it with --resume makes the merge whole again.
        let resumed = try report(URL(fileURLWithPath: parts[2]), ["--shard", "3/3", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("from the journal"), resumed.stderr)
        let again = path("merged-again")
        XCTAssertEqual(try CLI.run(["merge"] + parts + ["--out", again.path, "--quiet"]).status, 0)
        try assertSameOutputs(single, again)
    }

    /// SIGKILL at an arbitrary moment after some passages, then --resume: the same outputs as an
    /// uninterrupted run. Also: the journal is refused without --resume, and by a run with other
    /// options or another model.
    func testKilledRunResumesToTheSameOutputs() throws {
        let single = path("single")
        XCTAssertEqual(try report(single, ["--quiet"]).status, 0)

        let out = path("killed")
        let journal = out.appendingPathComponent(".hymba-lens-journal")
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["report", CLI.bundledModel.path] + domains + ["--max-tokens", "20", "--branch-ablation-passages", "2",
                             "--head-ablation-passages", "1", "--permutations", "30", "--quiet", "--out", out.path]
        process.currentDirectoryURL = CLI.repositoryRoot
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        var records = 0
        while process.isRunning, Date() < deadline {
            records = ((try? Self.recordStarts(journal))?.starts.count ?? 1) - 1
            if records >= 3 { break }
            usleep(20_000)
        }
        guard process.isRunning else { throw XCTSkip("the run finished before it could be killed") }
        usleep(150_000)   // somewhere inside the next passage
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: journal.path), "the journal survives SIGKILL")

        assertFails(try report(out), mentioning: "pass --resume")
        assertFails(try report(out, ["--resume", "--max-tokens", "21"]), mentioning: "--max-tokens is 20 in the journal, 21 here")
        assertFails(try report(out, ["--resume", "--head-ablation-passages", "2"]), mentioning: "--head-ablation-passages is 1")
        let random = path("random-model")
        XCTAssertEqual(try CLI.run(["init", "--config", CLI.bundledModel.appendingPathComponent("config.json").path, "--out", random.path]).status, 0)
        // The same config.json byte for byte, other weights: only the fingerprint tells them apart.
        try FileManager.default.removeItem(at: random.appendingPathComponent("config.json"))
        for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            try FileManager.default.copyItem(at: CLI.bundledModel.appendingPathComponent(name), to: random.appendingPathComponent(name))
        }
        var foreign = ["report", random.path] + domains
        foreign += ["--max-tokens", "20", "--branch-ablation-passages", "2", "--head-ablation-passages", "1", "--permutations", "30",
                    "--resume", "--out", out.path]
        assertFails(try CLI.run(foreign), mentioning: "weights differ")

        let resumed = try report(out, ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming"), resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("from the journal"), resumed.stderr)
        try assertSameOutputs(single, out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: journal.path))
        XCTAssertTrue(try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8).contains("resumed"))
    }

    /// A torn last record (SIGKILL mid-write) and a damaged one (bit rot) are both dropped and
    /// their passage computed again; damage before the last record is refused.
    func testTornOrDamagedLastRecordIsRedone() throws {
        let single = path("single")
        XCTAssertEqual(try report(single, ["--quiet"]).status, 0)
        let part = path("part")
        XCTAssertEqual(try report(part, ["--shard", "1/1", "--quiet"]).status, 0)
        let journal = part.appendingPathComponent(".hymba-lens-journal")
        let complete = try Data(contentsOf: journal)
        let (starts, length) = try Self.recordStarts(journal)

        for (name, damaged) in [("cut short", complete.prefix(length - 7)), ("damaged", Self.flip(complete, at: length - 10))] {
            try damaged.write(to: journal)
            let redo = try report(part, ["--shard", "1/1", "--resume"])
            XCTAssertEqual(redo.status, 0, redo.stderr)
            XCTAssertTrue(redo.stderr.contains(name == "cut short" ? "cut short" : "damaged"), redo.stderr)
            XCTAssertTrue(redo.stderr.contains("8 from the journal"), redo.stderr)
            XCTAssertEqual(try Self.recordStarts(journal).starts.count, starts.count, "\(name): the passage is back")
            let merged = path("merged-\(name)")
            XCTAssertEqual(try CLI.run(["merge", part.path, "--out", merged.path, "--quiet"]).status, 0)
            try assertSameOutputs(single, merged)
        }
        try Self.flip(complete, at: starts[2] + 12).write(to: journal)
        assertFails(try report(part, ["--shard", "1/1", "--resume"]), mentioning: "before its last record")
        assertFails(try CLI.run(["merge", part.path, "--out", path("x").path]), mentioning: "before its last record")
    }

    /// The analysis subcommands shard and merge the same way.
    func testSubcommandShardsMerge() throws {
        let prompts = path("prose.txt").path
        let single = path("sinks")
        XCTAssertEqual(try CLI.run(["sinks", CLI.bundledModel.path, "--prompts", prompts, "--no-meta", "--quiet", "--out", single.path]).status, 0)
        for i in 1...2 {
            let shard = try CLI.run(["sinks", CLI.bundledModel.path, "--prompts", prompts, "--no-meta", "--shard", "\(i)/2", "--quiet",
                                     "--out", path("sink-parts/\(i)").path])
            XCTAssertEqual(shard.status, 0, shard.stderr)
        }
        let merged = path("sinks-merged")
        let merge = try CLI.run(["merge", path("sink-parts/1").path, path("sink-parts/2").path, "--out", merged.path])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        for name in ["sinks.json", "sinks.csv", "sinks-heads.csv"] {
            XCTAssertEqual(try Data(contentsOf: single.appendingPathComponent(name)), try Data(contentsOf: merged.appendingPathComponent(name)), name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: merged.appendingPathComponent("index.html").path), "a sinks run merges into sinks' files")
    }

    static func flip(_ data: Data, at index: Int) -> Data {
        var bytes = [UInt8](data)
        bytes[index] ^= 0x20
        return Data(bytes)
    }
}
