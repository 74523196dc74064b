import Foundation
import TestFixtures
import XCTest

/// Every example in every command's `--help` runs, as written, in a folder laid out like a fresh
/// clone — with small inputs, and with stand-ins for the files a reader must supply.
///
/// The examples are read from the tool itself (`--experimental-dump-help`), so a new command's
/// examples are covered the day they are written. Each runs through `/bin/sh` (pipes and quotes
/// as a reader would type them) with the built `hymba-lens` first on `PATH`.
final class HelpExamplesTests: XCTestCase {
    /// Files the examples name that a reader brings themselves, and the stand-in the test writes.
    /// An example naming any other missing input fails: it would not run in a fresh clone.
    static let readerSupplied: [String: String] = [
        "notes.txt": "Meeting notes: the river flows north.\nNext steps: draft the report.",
        "big.txt": "The river flows north through the desert.\n\nGreen plants convert light energy.",
        "long.txt": String(repeating: "The river flows north through the desert and into the sea. ", count: 8),
        "code.py": "def square(x):\n    return x * x\n",
        "prompt.txt": "Problem: Solve for x: 12x + 35 = 239. Subtract 35 from both sides to get 12x = 204, then divide by 12. Answer: x = 17",
        "passage.txt": "The printing press was developed in the German city of Mainz around 1450. It spread across Europe within decades.",
        "a.txt": "The river flows north.\n\nPlants convert light.",
        "b.txt": "Solve 2x + 3 = 7.\nx = 2\n\nWhat is 5% of 40?\n2",
    ]

    /// Absolute paths in cluster examples that stand for the reader's own storage.
    static let readerSuppliedPaths: [(String, String)] = [("/models/hymba-1.5b", "my-model")]

    /// Job-array examples (`$SLURM_ARRAY_TASK_ID`) run as this many tasks; the merge examples
    /// after them name that many parts.
    static let arrayTasks = 3

    /// Sizes cut so that every example finishes in seconds on a debug build; each keeps the
    /// example's meaning (same command, same model shape family, fewer tokens or layers).
    static let smallInputs: [(String, String)] = [
        ("--layers 4", "--layers 1"),
        ("--tokens 512", "--tokens 16 --repeat 1"),
        ("--permutations 5000", "--permutations 50"),
        ("--max-passages 10", "--max-passages 2"),
        ("--max-tokens 256", "--max-tokens 32"),
        ("--roles-passages all", "--roles-passages 1"),
    ]

    /// Commands over prompt sets also get a cap on passages and tokens.
    static let corpusCommands: Set<String> = ["sinks", "meta-domains", "roles", "magnitudes", "entropy", "report"]

    struct Example {
        let command: String
        let line: String
    }

    /// The examples of every subcommand, continuation lines (`\`) joined.
    static func examples() throws -> [Example] {
        let dump = try CLI.run(["--experimental-dump-help"])
        guard dump.status == 0,
              let root = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any],
              let tool = root["command"] as? [String: Any],
              let commands = tool["subcommands"] as? [[String: Any]] else {
            throw MissingFixture(path: "hymba-lens --experimental-dump-help")
        }
        var out: [Example] = []
        for command in commands {
            guard let name = command["commandName"] as? String, let discussion = command["discussion"] as? String else { continue }
            var pending = ""
            for raw in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
                let line = raw.trimmingCharacters(in: .whitespaces)
                let isExample = line.hasPrefix("hymba-lens ") || line.hasPrefix("cat ") && line.contains("| hymba-lens ")
                guard !pending.isEmpty || isExample else { continue }
                pending += (pending.isEmpty ? "" : " ") + line
                if pending.hasSuffix("\\") { pending.removeLast(); continue }
                out.append(Example(command: name, line: pending.replacingOccurrences(of: "  ", with: " ")))
                pending = ""
            }
        }
        return out
    }

    func testEveryHelpExampleRunsInAFreshLayout() throws {
        let examples = try Self.examples()
        XCTAssertGreaterThan(examples.count, 25, "examples of every command")
        let work = try CLI.temporaryDirectory("help-examples")
        defer { try? FileManager.default.removeItem(at: work) }
        // A fresh clone's layout: the shipped folders, nothing else.
        for folder in ["models", "analyses"] {
            try FileManager.default.createSymbolicLink(at: work.appendingPathComponent(folder),
                                                       withDestinationURL: CLI.repositoryRoot.appendingPathComponent(folder))
        }
        try FileManager.default.createSymbolicLink(at: work.appendingPathComponent("my-model"), withDestinationURL: CLI.bundledModel)
        for (name, text) in Self.readerSupplied { try Data(text.utf8).write(to: work.appendingPathComponent(name)) }
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: FixtureFiles.required(FixtureFiles.chat.appendingPathComponent("golden.json")))) as! [String: Any]
        let firstCase = (golden["cases"] as! [[String: Any]])[0]
        try JSONSerialization.data(withJSONObject: ["messages": firstCase["messages"]!]).write(to: work.appendingPathComponent("chat.json"))

        for example in examples where ProcessInfo.processInfo.environment["HELP_EXAMPLE"].map({ example.line.contains($0) }) ?? true {
            var line = example.line.replacingOccurrences(of: "/tmp/", with: work.path + "/")
            for (from, to) in Self.readerSuppliedPaths { line = line.replacingOccurrences(of: from, with: to) }
            for (from, to) in Self.smallInputs { line = line.replacingOccurrences(of: from, with: to) }
            if Self.corpusCommands.contains(example.command), !line.contains("--max-passages") {
                line += " --max-passages 1 --max-tokens 24"
            }
            // A job-array example runs once per task, as the array's tasks would.
            let tasks = line.contains("$SLURM_ARRAY_TASK_ID") ? Array(1...Self.arrayTasks) : [0]
            for task in tasks {
                let prefix = task == 0 ? "" : "export SLURM_ARRAY_TASK_ID=\(task) SLURM_ARRAY_TASK_COUNT=\(Self.arrayTasks) SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=\(Self.arrayTasks); "
                let result = try CLI.shell(prefix + line, in: work)
                XCTAssertEqual(result.status, 0, "`\(example.line)` (run as `\(prefix + line)`) failed:\n\(result.stderr.suffix(1200))\n\(result.stdout.suffix(400))")
            }
        }
    }
}
