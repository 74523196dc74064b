import Foundation
import XCTest
import HymbaKit

/// `hymba-lens dla` and `hymba-lens patch` end to end on the bundled model: the DLA JSON against
/// a `trace` recording of the same hook points, the patching known answers through the CLI, and
/// one-line errors that leave nothing behind.
final class AttributionCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("attribution") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    static let prompt = "The capital of France is Paris. The capital of Italy is"

    private func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// The last row's per-layer and per-head values equal the traced `attn_dla`, `ssm_dla`,
    /// `mlp_dla`, `embed_dla` at that row, and they sum to the traced logit of the target.
    func testDLAJSONEqualsTheTracedHookPoints() throws {
        let rec = directory.appendingPathComponent("rec.safetensors")
        let traced = try CLI.run(["trace", "models/hymba-tiny", "--text", Self.prompt, "--record", "embed_dla,attn_dla,ssm_dla,mlp_dla,dla_target,logits",
                                  "--out", rec.path, "--quiet"])
        XCTAssertEqual(traced.status, 0, traced.stderr)
        let out = directory.appendingPathComponent("dla")
        let result = try CLI.run(["dla", "--text", Self.prompt, "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(Set(CLI.contents(of: out)).intersection(["dla-layers.png", "dla-layers.svg", "dla-heads.png", "dla-heads.svg", "dla.json", "dla.csv"]).count, 6)

        let recording = try Recording(contentsOf: rec)
        let n = recording.manifest.realTokens, last = n - 1
        let target = Int(try XCTUnwrap(recording.tensor("dla_target")).floats[last])
        let document = try json(out.appendingPathComponent("dla.json"))
        let rows = document["rows"] as! [[String: Any]]
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["target"] as? Int, target)
        XCTAssertEqual(document["embed"] as! Double, Double(try XCTUnwrap(recording.tensor("embed_dla")).floats[last]), accuracy: 1e-5)
        var sum = document["embed"] as! Double
        for layer in document["layers"] as! [[String: Any]] {
            let i = layer["layer"] as! Int
            for (key, field) in [("attn_dla", "attention_heads"), ("ssm_dla", "ssm_heads")] {
                let traced = try XCTUnwrap(recording.tensor("layers.\(i).\(key)")), heads = traced.shape[1]
                let values = layer[field] as! [Double]
                for h in 0..<heads { XCTAssertEqual(values[h], Double(traced.floats[last * heads + h]), accuracy: 1e-5, "\(key) layer \(i)") }
                sum += values.reduce(0, +)
            }
            XCTAssertEqual(layer["mlp"] as! Double, Double(try XCTUnwrap(recording.tensor("layers.\(i).mlp_dla")).floats[last]), accuracy: 1e-5)
            sum += layer["mlp"] as! Double
        }
        let logits = try XCTUnwrap(recording.tensor("logits")), vocab = logits.shape[1]
        let logit = Double(logits.floats[last * vocab + target])
        XCTAssertEqual(sum, logit, accuracy: 1e-4 * max(1, abs(logit)))
        XCTAssertEqual(document["logit"] as! Double, logit, accuracy: 1e-4 * max(1, abs(logit)))
        let csv = try String(contentsOf: out.appendingPathComponent("dla.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("component,layer,head,value\nembed,,,"))
    }

    /// A prompt set: the mean over passages; --target and a number position need one prompt.
    func testDLAOverAPromptSetAndItsErrors() throws {
        let set = directory.appendingPathComponent("set.txt")
        try Data("The river flows north.\n\nPlants convert light.".utf8).write(to: set)
        let out = directory.appendingPathComponent("set")
        let result = try CLI.run(["dla", "--prompts", set.path, "--position", "all", "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let document = try json(out.appendingPathComponent("dla.json"))
        XCTAssertEqual(document["prompts"] as? Int, 2)
        XCTAssertNil(document["rows"])
        for arguments in [["--prompts", set.path, "--target", "Paris"], ["--prompts", set.path, "--position", "3"],
                          ["--text", "hello", "--position", "99"], ["--text", "hello", "--prompts", set.path]] {
            let failed = try CLI.run(["dla"] + arguments + ["--out", directory.appendingPathComponent("bad").path, "--quiet"])
            XCTAssertNotEqual(failed.status, 0, "\(arguments)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("bad").path), "\(arguments)")
        }
    }

    /// Through the CLI: the residual after the last layer at the last position recovers 1, any
    /// site before the first differing token 0; prompts of different lengths are refused with
    /// both counts.
    func testPatchKnownAnswersAndLengthError() throws {
        let out = directory.appendingPathComponent("patch")
        let result = try CLI.run(["patch", "--clean", "The cat sat on the mat", "--corrupt", "The dog sat on the mat",
                                  "--answer", "cat", "--wrong", "dog", "--heads", "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for name in ["patch.png", "patch.svg", "patch-attention-heads.png", "patch-ssm-heads.svg", "patch.json", "patch.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        let document = try json(out.appendingPathComponent("patch.json"))
        let clean = document["clean_ids"] as! [Int], corrupt = document["corrupt_ids"] as! [Int]
        let firstDifference = clean.indices.first { clean[$0] != corrupt[$0] }!
        XCTAssertGreaterThan(firstDifference, 0)
        let sites = document["sites"] as! [[String: Any]]
        for site in sites {
            let values = site["values"] as! [[Double]]
            for row in values { for p in 0..<firstDifference { XCTAssertEqual(row[p], 0, accuracy: 1e-6, "\(site["site"]!)") } }
            if site["site"] as? String == "resid" { XCTAssertEqual(values.last!.last!, 1) }
        }
        let csv = try String(contentsOf: out.appendingPathComponent("patch.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("site,layer,position,value\nresid,0,0,"))

        let bad = directory.appendingPathComponent("bad")
        let failed = try CLI.run(["patch", "--clean", "The cat sat on the mat", "--corrupt", "The cat sat",
                                  "--answer", "cat", "--wrong", "dog", "--out", bad.path, "--quiet"])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("\(clean.count) tokens") && failed.stderr.contains("corrupted one"), failed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad.path))
    }
}
