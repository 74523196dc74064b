import Foundation
import XCTest

/// `report` end to end on small domain sets: index.html shows every figure (each referenced
/// file exists and is a valid image), summary.json holds the headline numbers, and an interrupt
/// leaves no partial output.
final class AnalysisReportTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("report") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ name: String, _ passages: [String]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(passages.joined(separator: "\n\n").utf8).write(to: url)
        return url.path
    }

    func testReportLinksEveryFigureAndSummarises() throws {
        let prose = try write("prose.txt", ["The river flows north into the sea.", "Plants turn light into sugar."])
        let code = try write("code.txt", ["def add(a, b):\n    return a + b", "for i in range(10):\n    print(i)"])
        let out = directory.appendingPathComponent("report")
        let result = try CLI.run(["report", CLI.bundledModel.path, "--domain", "prose=\(prose)", "--domain", "code=\(code)",
                                  "--roles-passages", "1", "--permutations", "20", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("report: 4/4 passages"), result.stderr)

        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        let images = Self.matches(of: "<img src=\"([^\"]+)\"", in: html)
        let links = Self.matches(of: "<a href=\"([^\"]+)\"", in: html)
        XCTAssertEqual(images.count, 15, "every figure of the five analyses")
        for image in images {
            let data = try Data(contentsOf: out.appendingPathComponent(image))
            XCTAssertEqual(Array(data.prefix(4)), [0x89, 0x50, 0x4E, 0x47], image)
        }
        for link in links {
            let data = try Data(contentsOf: out.appendingPathComponent(link))
            if link.hasSuffix(".svg") { XCTAssertTrue(String(decoding: data.prefix(400), as: UTF8.self).contains("<svg"), link) }
            if link.hasSuffix(".json") { XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), link) }
        }
        XCTAssertEqual(html.components(separatedBy: "<figcaption>").count - 1, images.count, "a caption per figure")
        XCTAssertTrue(html.contains("wall time"))
        // The interactive view of the first passage, linked from the page.
        XCTAssertTrue(links.contains("view.html"), "index.html links the interactive view")
        let view = try String(contentsOf: out.appendingPathComponent("view.html"), encoding: .utf8)
        XCTAssertTrue(view.hasPrefix("<!DOCTYPE html>") && view.contains("▁river"), "the first passage of the first domain")

        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        XCTAssertEqual(Set(summary.keys), ["model", "meta_tokens", "layers", "heads", "command", "wall_seconds", "domains",
                                           "sinks", "meta_domains", "roles", "magnitudes", "entropy"])
        let sinks = try XCTUnwrap(summary["sinks"] as? [String: [Double]])
        XCTAssertEqual(sinks["attention_meta_share"]?.count, 6)
        XCTAssertEqual(sinks["attention_bos_share_without_meta"]?.count, 6)
        XCTAssertEqual((summary["roles"] as? [String: Any])?["passages"] as? Int, 2, "one ablated passage per domain")
        XCTAssertEqual(((summary["meta_domains"] as? [String: Any])?["most_specific_tokens"] as? [String: Any])?.keys.sorted(), ["code", "prose"])
        XCTAssertGreaterThan(summary["wall_seconds"] as? Double ?? 0, 0)
        for folder in ["sinks", "meta-domains", "roles", "magnitudes", "entropy"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(folder).path), folder)
        }
        XCTAssertEqual(CLI.contents(of: directory).filter { $0.hasPrefix(".") }, [], "no staging leftovers")
    }

    /// Without ablations the importance figures are left out, everything else is there.
    func testReportWithoutAblations() throws {
        let a = try write("a.txt", ["One short passage about rivers.", "Another about deserts and sand."])
        let b = try write("b.txt", ["x = 1 + 2", "print(x)"])
        let out = directory.appendingPathComponent("report")
        let result = try CLI.run(["report", CLI.bundledModel.path, "--domain", "a=\(a)", "--domain", "b=\(b)",
                                  "--roles-passages", "0", "--permutations", "5", "--quiet", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        let images = Self.matches(of: "<img src=\"([^\"]+)\"", in: html)
        XCTAssertEqual(images.count, 13)
        XCTAssertFalse(images.contains("roles/roles-branches.png"))
        XCTAssertTrue(images.contains("roles/roles-reach.png"))
        let bad = try CLI.run(["report", CLI.bundledModel.path, "--roles-passages", "some", "--out", out.path])
        assertFails(bad, mentioning: "--roles-passages")
        assertFails(try CLI.run(["report", CLI.bundledModel.path, "--head-ablation-passages", "-1", "--out", out.path]),
                    mentioning: "--head-ablation-passages")

        // Branch ablations without head ablations: the branch figure, no head map.
        let branches = directory.appendingPathComponent("branches")
        let result2 = try CLI.run(["report", CLI.bundledModel.path, "--domain", "a=\(a)", "--domain", "b=\(b)",
                                   "--branch-ablation-passages", "1", "--head-ablation-passages", "0", "--permutations", "5",
                                   "--out", branches.path])
        XCTAssertEqual(result2.status, 0, result2.stderr)
        XCTAssertTrue(result2.stderr.contains("ablations: branch ablations on the first 1 passage of each domain, no head ablations"), result2.stderr)
        XCTAssertTrue(result2.stderr.contains("calibrated on a passage 1"), result2.stderr)
        let branchImages = Self.matches(of: "<img src=\"([^\"]+)\"", in: try String(contentsOf: branches.appendingPathComponent("index.html"), encoding: .utf8))
        XCTAssertTrue(branchImages.contains("roles/roles-branches.png"))
        XCTAssertFalse(branchImages.contains("roles/roles-heads.png"))
    }

    /// Ctrl-C (SIGINT) while the report is being written: no output file and no staging folder
    /// remains — only the run's journal, from which --resume writes the report without running
    /// a passage again. The test waits for the hidden staging folder to appear (figures are being
    /// rendered into it) and interrupts at once.
    func testInterruptWhileWritingLeavesOnlyTheJournal() throws {
        let passages = (0..<6).map { "Passage \($0): the river flows north through the desert into a delta." }
        let a = try write("a.txt", passages), b = try write("b.txt", passages)
        let out = directory.appendingPathComponent("report")
        let arguments = ["report", CLI.bundledModel.path, "--domain", "a=\(a)", "--domain", "b=\(b)", "--roles-passages", "0",
                         "--permutations", "10", "--out", out.path]
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments + ["--quiet"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        var sawStaging = false
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
            if names.contains(where: { $0.hasPrefix(".hymba-lens-staging-") }) {
                sawStaging = true
                process.interrupt()
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        guard sawStaging else { throw XCTSkip("the run finished before the staging folder was seen") }
        XCTAssertEqual(process.terminationStatus, 128 + SIGINT)
        XCTAssertEqual(CLI.contents(of: directory).sorted(), ["a.txt", "b.txt", "report", "report/.hymba-lens-journal"])

        let resumed = try CLI.run(arguments + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("all 12 passages are in the journal"), resumed.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(".hymba-lens-journal").path))
    }

    static func matches(of pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
