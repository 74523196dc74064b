import Foundation
import XCTest
import HymbaKit

/// `hymba-lens view` end to end: one HTML file whose embedded maps are those of a `trace`
/// recording of the same prompt, the layers asked for, and one-line errors with nothing written.
/// (The page itself runs in a browser in `scripts/check-viewer-in-browser.py`, from `.ci/run`.)
final class ViewCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("view") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    static let prompt = "The cat sat on the mat. The dog sat on the rug."

    /// The JSON inside the page's data script.
    private func payload(_ url: URL) throws -> [String: Any] {
        let html = try String(contentsOf: url, encoding: .utf8)
        let open = try XCTUnwrap(html.range(of: "<script id=\"hymba-view-data\" type=\"application/json\">"))
        let close = try XCTUnwrap(html.range(of: "</script>", range: open.upperBound..<html.endIndex))
        return try JSONSerialization.jsonObject(with: Data(html[open.upperBound..<close.lowerBound].utf8)) as! [String: Any]
    }

    private func int16s(_ base64: String) throws -> [Int16] {
        let bytes = try XCTUnwrap(Data(base64Encoded: base64))
        return stride(from: 0, to: bytes.count, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
    }

    func testPageHoldsTheTracedMapsOfTheLayersAskedFor() throws {
        let page = directory.appendingPathComponent("out/view.html"), rec = directory.appendingPathComponent("rec.safetensors")
        let results = try CLI.runAll([
            ["view", "--text", Self.prompt, "--layers", "1,3-4", "--out", page.path, "--quiet"],
            ["trace", "models/hymba-tiny", "--text", Self.prompt, "--record", "attn_probs@1,3,4,ssm_attn@1,3,4", "--out", rec.path, "--quiet"],
        ])
        for result in results { XCTAssertEqual(result.status, 0, result.stderr) }
        XCTAssertTrue(results[0].stdout.hasPrefix("wrote \(page.path) ("), results[0].stdout)
        XCTAssertEqual(CLI.contents(of: page.deletingLastPathComponent()), ["view.html"], "one file, parents created")

        let recording = try Recording(contentsOf: rec)
        let data = try payload(page)
        let m = recording.manifest.metaTokens, n = recording.manifest.realTokens, t = m + n
        XCTAssertEqual(data["ids"] as? [Int], recording.manifest.tokens.ids)
        XCTAssertEqual(data["tokens"] as? [String], recording.manifest.tokens.strings)
        XCTAssertEqual(data["tokenKind"] as? String, "pieces")
        let layers = data["layers"] as! [[String: Any]]
        XCTAssertEqual(layers.map { $0["index"] as! Int }, [1, 3, 4])
        XCTAssertEqual(layers.map { $0["window"] as? Int }, [64, nil, 64])
        XCTAssertEqual((data["lens"] as! [String: Any])["layers"] as? [Int], [1, 3, 4])
        for layer in layers {
            let index = layer["index"] as! Int
            let p = try XCTUnwrap(recording.tensor("layers.\(index).attn_probs")).floats
            let alpha = try XCTUnwrap(recording.tensor("layers.\(index).ssm_attn")).floats
            let attention = try int16s(layer["attention"] as! String), ssm = try int16s(layer["ssm"] as! String)
            var at = 0
            for head in 0..<4 {
                for i in 0..<n {
                    let row = (head * t + m + i) * t
                    let total = (0...(m + i)).reduce(0.0) { $0 + abs(Double(alpha[row + $1])) }
                    for u in 0...(m + i) {
                        XCTAssertEqual(Double(attention[at]) / 32767, Double(p[row + u]), accuracy: 1.6e-5, "layer \(index) head \(head) row \(i) key \(u)")
                        XCTAssertEqual(Double(ssm[at]) / 32767, Double(alpha[row + u]) / total, accuracy: 1.6e-5, "layer \(index) head \(head) row \(i) key \(u) (SSM)")
                        at += 1
                    }
                }
            }
            XCTAssertEqual(at, attention.count, "nothing beyond the real rows' visible keys")
        }
    }

    func testHelpStatesThePrecisionAndTheCap() throws {
        let help = try CLI.run(["view", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in ["self-contained", "16-bit", "4 decimals", "--max-weights", "8388608", "|α[t, u]| / Σ_u |α[t, u]|"] {
            XCTAssertTrue(help.contains(phrase), "--help should mention '\(phrase)'")
        }
    }

    /// Each bad request: one error line naming the problem, nonzero status, nothing written.
    func testBadRequestsFailCleanly() throws {
        let out = directory.appendingPathComponent("view.html").path
        let base = ["view", "--text", Self.prompt, "--quiet"]
        let cases: [(arguments: [String], fragment: String)] = [
            (base + ["--out", directory.appendingPathComponent("view.png").path], "extension must be .html or .htm"),
            (base + ["--layers", "7", "--out", out], "--layers: layer 7 is out of range (0...5)"),
            (base + ["--max-weights", "1000", "--out", out], "above the cap of 1000: choose fewer layers with --layers, a shorter prompt, or raise --max-weights"),
            (base + ["--max-weights", "0", "--out", out], "--max-weights must be a positive number"),
            (["view", "--ids", "1,99999", "--out", out], "99999"),
            (["view", "--out", out], "give exactly one of --ids, --text, --text-file or --chat"),
            (["view", CLI.parity.appendingPathComponent("tiny-bf16").path, "--text", "Hi", "--out", out], "no tokenizer.json"),
        ]
        for ((_, fragment), result) in zip(cases, try CLI.runAll(cases.map(\.arguments))) {
            assertFails(result, mentioning: fragment)
            XCTAssertFalse(result.stderr.contains("loading"), "refused before the weights were loaded: \(result.stderr)")
        }
        XCTAssertEqual(CLI.contents(of: directory), [], "no page and no temporary file may remain")
    }

    /// A checkpoint without a tokenizer still gets a page, labelled by ids.
    func testIDsWithoutATokenizer() throws {
        let out = directory.appendingPathComponent("ids.html")
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        let result = try CLI.run(["view", fixture.path, "--ids", "1,45,77,122", "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let data = try payload(out)
        XCTAssertEqual(data["tokens"] as? [String], ["1", "45", "77", "122"])
        XCTAssertEqual(data["tokenKind"] as? String, "ids")
        XCTAssertEqual(data["title"] as? String, "tiny-bf16 · 4 tokens")
    }
}
