import Foundation
import XCTest
import HymbaKit
@testable import HymbaPlot
@testable import hymba_lens

/// `hymba-lens lens` end to end: its JSON against the lens computed here in Double from a
/// `trace` recording of the same prompt and the bundled model's own weight file, the figure's
/// shape, and one-line errors that leave nothing behind.
final class LensCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("lens") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    static let prompt = "The capital of France is Paris. The capital of Italy is"

    private func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// Two layers × three positions: the JSON holds exactly those six cells, and each equals
    /// RMSNorm(hidden) · Eᵀ computed in Double from the traced residual and model.safetensors.
    func testJSONCellsEqualTheLensOfTheTracedResidualStream() throws {
        let rec = directory.appendingPathComponent("rec.safetensors")
        let traced = try CLI.run(["trace", "models/hymba-tiny", "--text", Self.prompt, "--record", "hidden@1,4,logits", "--out", rec.path, "--quiet"])
        XCTAssertEqual(traced.status, 0, traced.stderr)
        let lensJSON = directory.appendingPathComponent("lens.json")
        let result = try CLI.run(["lens", "--text", Self.prompt, "--layers", "1,4", "--positions", "3-4,12", "--next", "--rank",
                                  "--top-k", "3", "--json", lensJSON.path, "--out", directory.appendingPathComponent("lens.png").path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)

        let recording = try Recording(contentsOf: rec)
        let ids = recording.manifest.tokens.ids
        let m = recording.manifest.metaTokens
        let weights = try SafeTensorsFile(path: CLI.bundledModel.appendingPathComponent("model.safetensors").path)
        let embedding = try weights.floats("model.embed_tokens.weight"), norm = try weights.floats("model.final_layernorm.weight")
        let d = norm.count, vocab = embedding.count / d
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: CLI.bundledModel.appendingPathComponent("config.json"))) as! [String: Any]
        let eps = config["rms_norm_eps"] as! Double

        let document = try json(lensJSON)
        XCTAssertEqual(document["layers"] as? [Int], [1, 4])
        XCTAssertEqual(document["positions"] as? [Int], [3, 4, 12])
        XCTAssertEqual(document["input_ids"] as? [Int], ids)
        let cells = document["cells"] as! [[String: Any]]
        XCTAssertEqual(cells.count, 6, "only the rows asked for")
        for cell in cells {
            let layer = cell["layer"] as! Int, position = cell["position"] as! Int
            let hidden = try XCTUnwrap(recording.tensor("layers.\(layer).hidden")).floats
            let x = hidden[((m + position) * d)..<((m + position + 1) * d)].map(Double.init)
            let scale = 1 / (x.reduce(0) { $0 + $1 * $1 } / Double(d) + eps).squareRoot()
            let normed = (0..<d).map { Double(norm[$0]) * x[$0] * scale }
            var logits = [Double](repeating: 0, count: vocab)
            embedding.withUnsafeBufferPointer { e in
                for v in 0..<vocab {
                    var dot = 0.0
                    for j in 0..<d { dot += normed[j] * Double(e[v * d + j]) }
                    logits[v] = dot
                }
            }
            let maximum = logits.max()!
            let lse = maximum + Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - maximum) })
            let order = logits.indices.sorted { logits[$0] > logits[$1] }
            let top = cell["top"] as! [[String: Any]]
            let at = "layer \(layer) position \(position)"
            XCTAssertEqual(top.map { $0["id"] as! Int }, Array(order.prefix(3)), at)
            for (slot, entry) in top.enumerated() {
                XCTAssertEqual(entry["log_probability"] as! Double, logits[order[slot]] - lse, accuracy: 1e-4, at)
                XCTAssertEqual(entry["probability"] as! Double, Foundation.exp(logits[order[slot]] - lse), accuracy: 1e-5, at)
            }
            if position + 1 < ids.count {
                let target = try XCTUnwrap(cell["target"] as? [String: Any], at)
                let next = ids[position + 1]
                XCTAssertEqual(target["id"] as? Int, next, at)
                // fp32 logits sit ~1e-5 from the Double ones: tokens that close to the target may fall either side.
                let rank = try XCTUnwrap(target["rank"] as? Int, at)
                let surelyAbove = logits.filter { $0 > logits[next] + 1e-4 }.count
                let maybeAbove = logits.filter { $0 > logits[next] - 1e-4 }.count - 1
                XCTAssertTrue((1 + surelyAbove)...(1 + maybeAbove) ~= rank, "\(at): rank \(rank), Double \(1 + logits.filter { $0 > logits[next] }.count)")
                XCTAssertLessThanOrEqual(maybeAbove - surelyAbove, 3, "\(at): the rank is pinned down")
                XCTAssertEqual(target["log_probability"] as! Double, logits[next] - lse, accuracy: 1e-4, at)
            } else {
                XCTAssertNil(cell["target"] as? [String: Any], "\(at): the last token has no next token")
            }
        }
        // The last layer is the model's own readout: its top-1 is the argmax of the logits.
        let last = try CLI.run(["lens", "--text", Self.prompt, "--layers", "last", "--json", lensJSON.path,
                                "--out", directory.appendingPathComponent("last.svg").path, "--quiet"])
        XCTAssertEqual(last.status, 0, last.stderr)
        let logits = try XCTUnwrap(recording.tensor("logits")).floats
        for cell in try json(lensJSON)["cells"] as! [[String: Any]] {
            let t = cell["position"] as! Int
            let row = Array(logits[(t * vocab)..<((t + 1) * vocab)])
            XCTAssertEqual(cell["layer"] as? Int, 5)
            XCTAssertEqual((cell["top"] as! [[String: Any]])[0]["id"] as? Int, row.indices.max { row[$0] < row[$1] }, "position \(t)")
        }
    }

    /// A vocabulary piece, one-token text and the id name the same target.
    func testTargetByPieceTextOrID() throws {
        let targets = ["▁Paris", "Paris", "3681"]
        let outs = targets.indices.map { directory.appendingPathComponent("t\($0).json") }
        let runs = try CLI.runAll(zip(targets, outs).map { target, out in
            ["lens", "--text", "The capital of France is", "--layers", "last", "--positions", "last", "--target", target,
             "--json", out.path, "--out", out.deletingPathExtension().appendingPathExtension("png").path, "--quiet"]
        })
        var found: [Int] = []
        for (result, out) in zip(runs, outs) {
            XCTAssertEqual(result.status, 0, result.stderr)
            let cell = (try json(out)["cells"] as! [[String: Any]])[0]
            let target = try XCTUnwrap(cell["target"] as? [String: Any])
            XCTAssertEqual(target["token"] as? String, "▁Paris")
            found.append(target["id"] as! Int)
        }
        XCTAssertEqual(Set(found).count, 1, "\(found)")
    }

    /// The figure: the grid (the last layer on top, one column per position) above the line
    /// plot; each cell, sampled beside its text, has the colour of its top-1 probability in the JSON.
    func testFigureCellsAreColouredByTheTop1Probability() throws {
        let png = directory.appendingPathComponent("lens.png"), data = directory.appendingPathComponent("lens.json")
        let prompt = "The capital of France is"
        let result = try CLI.run(["lens", "--text", prompt, "--next", "--rank", "--json", data.path, "--out", png.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("wrote \(png.path)"), result.stdout)
        let cells = try json(data)["cells"] as! [[String: Any]]
        let ids = try json(data)["input_ids"] as! [Int]
        let layers = 6, positions = ids.count
        XCTAssertEqual(cells.count, layers * positions)
        func probability(_ layer: Int, _ position: Int) -> Double {
            let cell = cells.first { $0["layer"] as? Int == layer && $0["position"] as? Int == position }!
            return (cell["top"] as! [[String: Any]])[0]["probability"] as! Double
        }

        // The layout only (where the cells are) is rebuilt in process; the colours come from the JSON.
        let checkpoint = try Checkpoint(directory: CLI.bundledModel)
        let model = try HymbaModel(checkpoint: checkpoint)
        let tokenizer = try Tokenizer(directory: CLI.bundledModel)
        let grid = try LensGrid.record(model: model, ids: ids, layers: Array(0..<layers), positions: Array(0..<positions),
                                       targets: LensGrid.nextTokens(of: ids, at: Array(0..<positions)), topK: 5)
        let figure = try LensFigure(grid: grid, promptTokens: TokenSequence(metaCount: 32, ids: ids, strings: tokenizer.tokenStrings(ids)).tokens,
                                    tokenLabel: { TokenSequence.label(tokenizer.tokenStrings([$0])[0]) }, showsRank: true,
                                    linePositions: [positions - 2], colormap: .viridis,
                                    naming: LayerTitle(modelPath: CLI.bundledModel.path, config: checkpoint.config), title: nil).figure()
        XCTAssertEqual(figure.panels.count, 2, "grid and line plot")
        let image = try RasterImage(contentsOf: png)
        try FigureRebuild.assertPixelSize(image, of: figure, dpi: 144)
        guard case .heatmap(let map) = figure.panels[0] else { return XCTFail("the first panel is the grid") }
        let frame = try figure.panelFrames()[0]
        let layout = map.layout(in: frame, norm: try map.resolvedNorm(), theme: figure.theme, text: try MeasuringContext(theme: figure.theme).text)
        XCTAssertEqual(map.rows, layers)
        XCTAssertEqual(map.cols, positions)
        for row in 0..<layers {
            for position in 0..<positions {
                let layer = layers - 1 - row
                let x = layout.map.minX + Double(position) * layout.cellWidth + 1.5
                let y = layout.map.minY + (Double(row) + 0.5) * layout.cellHeight
                let pixel = image.color(x: Int(x * 2), y: Int(y * 2))
                let expected = Colormap.viridis.color(at: probability(layer, position))
                let (a, e) = (pixel!.rgb8, expected.rgb8)
                XCTAssertLessThanOrEqual(max(abs(a.red - e.red), abs(a.green - e.green), abs(a.blue - e.blue)), 3,
                                         "layer \(layer) position \(position): \(pixel!) vs \(expected)")
            }
        }
    }

    /// Each bad request: one error line naming the problem, nonzero status, nothing written.
    func testBadRequestsFailCleanly() throws {
        let out = directory.appendingPathComponent("fig.png").path
        let long = String(repeating: "word ", count: 80)
        let base = ["lens", "--text", "The capital of France is", "--quiet"]
        let cases: [(arguments: [String], fragment: String)] = [
            (base + ["--layers", "6", "--out", out], "--layers: layer 6 is out of range (0...5)"),
            (base + ["--layers", "4-2", "--out", out], "range 4-2 runs backwards"),
            (base + ["--layers", "x", "--out", out], "'x' is not a layer"),
            (base + ["--positions", "9", "--out", out], "--positions: prompt position 9 is out of range (0...5)"),
            (["lens", "--text", long, "--quiet", "--out", out], "at most 64 positions: choose some with --positions"),
            (base + ["--target", "Paris Rome", "--out", out], "is 2 tokens (▁Paris ▁Rome), not one"),
            (base + ["--target", "99999", "--out", out], "--target 99999 is not a token id"),
            (base + ["--target", "▁Paris", "--next", "--out", out], "exclude each other"),
            (base + ["--rank", "--out", out], "--rank needs a target"),
            (base + ["--next", "--line-positions", "5", "--out", out], "--line-positions 5 is the last prompt token"),
            (base + ["--next", "--positions", "0-2", "--line-positions", "4", "--out", out], "not among the --positions"),
            (base + ["--top-k", "0", "--out", out], "--top-k must be between 1 and 100"),
            (base + ["--colormap", "RdBu", "--out", out], "not a sequential colour map"),
            (base + ["--out", directory.appendingPathComponent("fig.jpg").path], "extension must be .png or .svg or .pdf"),
            (base + ["--json", out.replacingOccurrences(of: ".png", with: ".txt"), "--out", out], "extension must be .json"),
            (["lens", "--ids", "1,99999", "--out", out], "99999"),
        ]
        for ((_, fragment), result) in zip(cases, try CLI.runAll(cases.map(\.arguments))) {
            assertFails(result, mentioning: fragment)
        }
        XCTAssertEqual(CLI.contents(of: directory), [], "no figure, no JSON and no temporary file may remain")
    }
}
