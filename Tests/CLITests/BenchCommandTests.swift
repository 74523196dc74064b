import Foundation
import XCTest

/// `hymba-lens bench`: what it prints (behaviour only — timings are never asserted).
final class BenchCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("bench") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testPrefillReportsSpeedTheSGEMMBoundAndMemory() throws {
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        let result = try CLI.run(["bench", "--model", fixture.path, "--tokens", "20", "--repeat", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("prompt       20 tokens + 4 meta = 24 positions"), result.stdout)
        for label in ["prefill      best", "throughput", "sgemm bound", "memory", "record       nothing",
                      "blas         OpenBLAS ", "kernels      "] {
            XCTAssertTrue(result.stdout.contains(label), "missing \(label) in\n\(result.stdout)")
        }
        XCTAssertTrue(result.stderr.contains("run 2:"), "progress goes to stderr")
        let memory = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("memory") })
        let mebibytes = memory.split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(mebibytes.count, 2, String(memory))
        XCTAssertGreaterThanOrEqual(mebibytes[1], mebibytes[0], "peak below resident after load")
    }

    /// With a plan, plain and recorded prefills alternate and the recorded one is a ratio to the plain.
    func testRecordPlanReportsItsCostAgainstThePlainPrefill() throws {
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        let result = try CLI.run(["bench", "--model", fixture.path, "--tokens", "12", "--repeat", "2", "--record", "ssm_mass,attn_mass"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("record") }, result.stdout)
        XCTAssertTrue(line.hasPrefix("record       ssm_mass,attn_mass best "), String(line))
        XCTAssertTrue(line.contains(" × plain (median "), String(line))
        XCTAssertTrue(result.stdout.contains("sgemm bound"), result.stdout)
        XCTAssertTrue(result.stderr.contains("run 2: ") && result.stderr.contains(", recorded "), result.stderr)
    }

    /// `--decode` times cached decode steps and prints them next to the bandwidth bound; the
    /// prefill lines stay as they are when --tokens is given too.
    func testDecodeReportsStepsBandwidthAndTheBound() throws {
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        let result = try CLI.run(["bench", "--model", fixture.path, "--tokens", "10", "--repeat", "1", "--decode", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("prompt       10 tokens + 4 meta = 14 positions"), result.stdout)
        XCTAssertTrue(result.stdout.contains("decode       3 steps after a 10-token prefill"), result.stdout)
        for label in ["bandwidth    ", "GB/s (STREAM triad", "weights/step ", "decode bound "] {
            XCTAssertTrue(result.stdout.contains(label), "missing \(label) in\n\(result.stdout)")
        }
        let alone = try CLI.run(["bench", "--model", fixture.path, "--decode", "2"])
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertTrue(alone.stdout.contains("decode       2 steps after a 16-token prefill"), alone.stdout)
        XCTAssertFalse(alone.stdout.contains("prefill      best"), alone.stdout)
    }

    /// The tokenizer benchmark counts the same tokens as `tokenize`.
    func testTokenizerThroughputCountsTheTokensTokenizeGives() throws {
        let text = directory.appendingPathComponent("text.txt")
        try "Attention heads and SSM heads run in parallel.\n\nMeta tokens come first: café, 東京, 🙂.\n".write(to: text, atomically: true, encoding: .utf8)
        let bench = try CLI.run(["bench", "--model", CLI.bundledModel.path, "--tokenize-file", text.path, "--repeat", "1"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        let tokenize = try CLI.run(["tokenize", "--model", CLI.bundledModel.path, "--json", "--text-file", text.path])
        let ids = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(tokenize.stdout.utf8)) as? [String: Any])?["ids"] as? [Int])
        XCTAssertTrue(bench.stdout.contains("\(ids.count) tokens"), bench.stdout)
        XCTAssertTrue(bench.stdout.contains("(2 paragraphs)"), bench.stdout)
    }

    func testBadRequestsFail() throws {
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        for (arguments, fragment) in [
            (["bench", "--model", fixture.path], "--tokens"),
            (["bench", "--model", fixture.path, "--tokens", "0"], "at least 1"),
            (["bench", "--model", fixture.path, "--decode", "0"], "--decode must be at least 1"),
            (["bench", "--model", fixture.path, "--tokens", "8", "--repeat", "0"], "at least 1"),
            (["bench", "--model", fixture.path, "--tokens", "100000"], "positions"),
        ] {
            let result = try CLI.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments) succeeded")
            XCTAssertTrue(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
        }
    }
}
