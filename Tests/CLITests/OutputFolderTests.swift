import Foundation
import XCTest

/// Output folders never lose a file hymba-lens did not write: `--out` takes a new folder (with
/// its parents), an empty one, or an earlier run's output; anything else needs `--force`, which
/// still keeps every file it finds.
final class OutputFolderTests: XCTestCase {
    var directory: URL!
    var prompts: String!

    override func setUpWithError() throws {
        directory = try CLI.temporaryDirectory("output-folder")
        let url = directory.appendingPathComponent("p.txt")
        try Data("The river flows north.\n\nGreen plants convert light.".utf8).write(to: url)
        prompts = url.path
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func magnitudes(_ out: String, _ extra: [String] = [], in folder: URL? = nil) throws -> CLI.Result {
        try CLI.run(["magnitudes", CLI.bundledModel.path, "--prompts", prompts, "--quiet", "--out", out] + extra,
                    in: folder ?? directory)
    }

    private func userFile(_ name: String, in folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data("the user's own notes".utf8).write(to: url)
        return url
    }

    private let magnitudeFiles = [".hymba-lens-output.json", "magnitudes.csv", "magnitudes.json", "magnitudes.png", "magnitudes.svg"]

    func testFolderWithUserFilesIsRefusedAndKept() throws {
        let mine = directory.appendingPathComponent("mine")
        let important = try userFile("important.txt", in: mine)
        let result = try magnitudes(mine.path)
        assertFails(result, mentioning: "--force")
        XCTAssertTrue(result.stderr.contains("important.txt"), result.stderr)
        XCTAssertEqual(CLI.contents(of: mine), ["important.txt"])
        XCTAssertEqual(try Data(contentsOf: important), Data("the user's own notes".utf8))
    }

    func testDotIsRefusedWhenItHoldsFiles() throws {
        let work = directory.appendingPathComponent("work")
        _ = try userFile("thesis.tex", in: work)
        assertFails(try magnitudes(".", in: work), mentioning: "did not write")
        XCTAssertEqual(CLI.contents(of: work), ["thesis.tex"])
    }

    func testForceWritesBesideUserFilesAndKeepsThem() throws {
        let mine = directory.appendingPathComponent("mine")
        _ = try userFile("important.txt", in: mine)
        let result = try magnitudes(mine.path, ["--force"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CLI.contents(of: mine), (magnitudeFiles + ["important.txt"]).sorted())
        XCTAssertEqual(try Data(contentsOf: mine.appendingPathComponent("important.txt")), Data("the user's own notes".utf8))
    }

    func testForceNeverReplacesAUserFileOfTheSameName() throws {
        let mine = directory.appendingPathComponent("mine")
        let theirs = try userFile("magnitudes.csv", in: mine)
        let result = try magnitudes(mine.path, ["--force"])
        assertFails(result, mentioning: "magnitudes.csv")
        XCTAssertTrue(result.stderr.contains("--resume"), "the computed passages are kept: \(result.stderr)")
        XCTAssertEqual(CLI.contents(of: mine), [".hymba-lens-journal", "magnitudes.csv"], "no output written, no staging left; the journal keeps the work")
        XCTAssertEqual(try Data(contentsOf: theirs), Data("the user's own notes".utf8))
    }

    func testEmptyFolderAndDotAreUsed() throws {
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertEqual(try magnitudes(empty.path).status, 0)
        XCTAssertEqual(CLI.contents(of: empty), magnitudeFiles)
        let here = directory.appendingPathComponent("here")
        try FileManager.default.createDirectory(at: here, withIntermediateDirectories: true)
        let result = try magnitudes(".", in: here)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CLI.contents(of: here), magnitudeFiles)
    }

    func testParentsAreCreated() throws {
        let nested = directory.appendingPathComponent("out/runs/today")
        let result = try magnitudes("out/runs/today")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CLI.contents(of: nested), magnitudeFiles)
    }

    /// A second run replaces the files the first wrote — also those it no longer writes — and
    /// keeps what the user put into the folder meanwhile.
    func testEarlierOutputIsReplacedAndAddedUserFilesKept() throws {
        let out = directory.appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(["sinks", CLI.bundledModel.path, "--prompts", prompts, "--quiet", "--out", out.path]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("sinks.json").path))
        let notes = try userFile("notes.md", in: out)
        let result = try magnitudes(out.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CLI.contents(of: out), (magnitudeFiles + ["notes.md"]).sorted(), "the sinks files went, the notes stayed")
        XCTAssertEqual(try Data(contentsOf: notes), Data("the user's own notes".utf8))
        let mark = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(".hymba-lens-output.json"))) as? [String: Any]
        XCTAssertEqual(mark?["files"] as? [String], ["magnitudes.csv", "magnitudes.json", "magnitudes.png", "magnitudes.svg"])
    }

    /// A mark naming paths outside the folder (hand-edited) never makes a run delete them.
    func testAMarkCannotReachOutsideTheFolder() throws {
        let out = directory.appendingPathComponent("run")
        let outside = try userFile("outside.txt", in: directory)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data(#"{"tool": "hymba-lens", "files": ["../outside.txt", "/etc/hostname", "./x"]}"#.utf8)
            .write(to: out.appendingPathComponent(".hymba-lens-output.json"))
        XCTAssertEqual(try magnitudes(out.path).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: outside.path))
    }

    /// A corpus run's journal is hymba-lens's own hidden file: a folder holding only one needs no
    /// --force, and a run never silently discards it (--resume continues it, --restart drops it).
    func testAJournalIsOwnedAndNeverDroppedSilently() throws {
        let out = directory.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("an interrupted run".utf8).write(to: out.appendingPathComponent(".hymba-lens-journal"))
        assertFails(try magnitudes(out.path), mentioning: "--resume")
        XCTAssertEqual(CLI.contents(of: out), [".hymba-lens-journal"])
        assertFails(try magnitudes(out.path, ["--resume"]), mentioning: "is not a hymba-lens journal")
        let result = try magnitudes(out.path, ["--restart"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CLI.contents(of: out), magnitudeFiles, "the finished run's journal is gone too")
    }

    func testInitFollowsTheSameRule() throws {
        let config = CLI.bundledModel.appendingPathComponent("config.json").path
        let mine = directory.appendingPathComponent("ckpt")
        _ = try userFile("config.json", in: mine)
        assertFails(try CLI.run(["init", "--config", config, "--layers", "1", "--out", mine.path]), mentioning: "--force")
        assertFails(try CLI.run(["init", "--config", config, "--layers", "1", "--out", mine.path, "--force"]), mentioning: "config.json")
        XCTAssertEqual(CLI.contents(of: mine), ["config.json"])
        let fresh = directory.appendingPathComponent("new/ckpt")
        XCTAssertEqual(try CLI.run(["init", "--config", config, "--layers", "1", "--out", fresh.path]).status, 0)
        XCTAssertEqual(try CLI.run(["init", "--config", config, "--layers", "2", "--out", fresh.path]).status, 0, "an earlier init's folder is replaced")
        XCTAssertEqual(CLI.contents(of: fresh), [".hymba-lens-output.json", "config.json", "model.safetensors"])
    }
}
