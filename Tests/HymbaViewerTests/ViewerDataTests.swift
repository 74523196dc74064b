import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit
@testable import HymbaViewer

/// The viewer's data against the reference: pages built from the goldens' own maps
/// (`attn_probs`, `ssm_attn`, `hidden` of the parity fixtures), decoded back and compared with
/// those maps, the meta shares and the lens recomputed here.
final class ViewerDataTests: XCTestCase {
    private struct Golden {
        let config: HymbaConfig
        let model: HymbaModel
        let ids: [Int]
        let tensors: [String: Tensor]
        let file: SafeTensorsFile
    }

    private func golden(_ fixture: String = "tiny-bf16") throws -> Golden {
        let folder = FixtureFiles.parity.appendingPathComponent(fixture)
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: FixtureFiles.required(folder.appendingPathComponent("golden.json")))) as! [String: Any]
        let prompt = (index["prompts"] as! [[String: Any]])[0]
        let file = try SafeTensorsFile(path: folder.appendingPathComponent(prompt["file"] as! String).path)
        var tensors: [String: Tensor] = [:]
        for name in file.names where name.hasSuffix("attn_probs") || name.hasSuffix("ssm_attn") || name.hasSuffix("hidden") {
            tensors[name] = Tensor(shape: file.tensors[name]!.shape, floats: try file.floats(name))
        }
        let checkpoint = try Checkpoint(directory: folder)
        return Golden(config: checkpoint.config, model: try HymbaModel(checkpoint: checkpoint), ids: prompt["ids"] as! [Int],
                      tensors: tensors, file: file)
    }

    private func data(_ g: Golden, tokens: [String]? = nil, layers: [Int]? = nil) throws -> ViewerData {
        try ViewerData(title: "test", modelName: "tiny-bf16", config: g.config, ids: g.ids,
                       tokens: tokens ?? g.ids.map(String.init), layers: layers ?? Array(0..<g.config.hiddenLayers),
                       tensors: g.tensors, lens: LogitLens(model: g.model), pieces: { "p\($0)" })
    }

    /// Every stored weight decodes to the golden map within the 16-bit code's error, rows in the
    /// documented order (heads, then real query rows, each over keys 0 … M + i).
    func testMapsDecodeToTheGoldenAttentionAndSSMRows() throws {
        let g = try golden()
        let page = try data(g)
        let m = g.config.memoryTokens, n = g.ids.count, h = g.config.attentionHeads, t = m + n
        XCTAssertEqual(page.layers.map(\.index), Array(0..<g.config.hiddenLayers))
        for layer in page.layers {
            let p = try g.file.floats("layers.\(layer.index).attn_probs"), alpha = try g.file.floats("layers.\(layer.index).ssm_attn")
            XCTAssertEqual(layer.attention.count, h * ViewerSize.weightsPerMap(tokens: n, metaCount: m))
            XCTAssertEqual(layer.ssm.count, layer.attention.count)
            var at = 0
            for head in 0..<h {
                for i in 0..<n {
                    let row = (head * t + m + i) * t
                    let magnitude = (0...(m + i)).reduce(0.0) { $0 + abs(Double(alpha[row + $1])) }
                    var sharesSum = 0.0, metaP = 0.0, metaS = 0.0
                    for u in 0...(m + i) {
                        let where_ = "layer \(layer.index) head \(head) row \(i) key \(u)"
                        XCTAssertEqual(WeightCode.decode(layer.attention[at]), Double(p[row + u]), accuracy: WeightCode.maximumError + 1e-9, where_)
                        let share = WeightCode.decode(layer.ssm[at])
                        XCTAssertEqual(share, Double(alpha[row + u]) / magnitude, accuracy: WeightCode.maximumError + 1e-9, where_)
                        sharesSum += abs(share)
                        if u < m { metaP += Double(p[row + u]); metaS += abs(Double(alpha[row + u])) / magnitude }
                        at += 1
                    }
                    let slot = head * n + i
                    XCTAssertEqual(sharesSum, 1, accuracy: Double(m + i + 1) * WeightCode.maximumError, "|α| shares sum to 1")
                    XCTAssertEqual(Double(layer.ssmRowScale[slot]), magnitude, accuracy: 1e-6 * max(1, magnitude))
                    XCTAssertEqual(WeightCode.decode(layer.attentionMetaShare[slot]), metaP, accuracy: WeightCode.maximumError + 1e-9)
                    XCTAssertEqual(WeightCode.decode(layer.ssmMetaShare[slot]), metaS, accuracy: WeightCode.maximumError + 1e-9)
                }
            }
            XCTAssertEqual(at, layer.attention.count)
            // Sliding layers: keys beyond the window are stored as the recorded 0.
            if let window = layer.window {
                XCTAssertFalse(g.config.isGlobal(layer: layer.index))
                XCTAssertGreaterThan(n - 1, window, "the prompt reaches past the window")
            }
        }
    }

    /// The lens the page embeds: after the last layer its top-1 is the golden logits' argmax.
    func testLensOfTheLastLayerIsTheGoldenPrediction() throws {
        let g = try golden()
        let page = try data(g)
        let logits = try g.file.floats("logits"), vocab = g.config.vocabSize
        let last = page.lens.grid.cells.last!
        XCTAssertEqual(page.lens.grid.layers.last, g.config.hiddenLayers - 1)
        XCTAssertEqual(last.count, g.ids.count)
        for (t, cell) in last.enumerated() {
            let row = logits[(t * vocab)..<((t + 1) * vocab)]
            XCTAssertEqual(cell.top.first?.id, row.indices.max { row[$0] < row[$1] }! - t * vocab, "position \(t)")
            XCTAssertEqual(cell.top.count, ViewerData.lensTopK)
            XCTAssertEqual(cell.target?.id, t + 1 < g.ids.count ? g.ids[t + 1] : nil)
        }
        XCTAssertEqual(page.lens.pieces[last[0].top[0].id], "p\(last[0].top[0].id)", "every named id has its piece")
    }

    /// The page: the data parses back from its script element (even tokens that spell
    /// `</script>`), and nothing in it reaches beyond the file.
    func testPageIsSelfContainedAndItsDataParsesBack() throws {
        let g = try golden()
        var tokens = g.ids.map(String.init)
        tokens[1] = "</script><img src=x onerror=alert(1)>"
        tokens[2] = "a & b \u{2028} \"q\""
        let page = try data(g, tokens: tokens, layers: [0, 2])
        let html = try ViewerPage(data: page).html()
        for forbidden in ["http://", "https://", "src=\"", "<link rel=\"stylesheet\"", "@import", "url("] {
            XCTAssertFalse(html.contains(forbidden), "the page must not load anything: found \(forbidden)")
        }
        let open = try XCTUnwrap(html.range(of: "<script id=\"hymba-view-data\" type=\"application/json\">"))
        let close = try XCTUnwrap(html.range(of: "</script>", range: open.upperBound..<html.endIndex))
        let json = try JSONSerialization.jsonObject(with: Data(html[open.upperBound..<close.lowerBound].utf8)) as! [String: Any]
        XCTAssertEqual(json["tokens"] as? [String], tokens, "the token that spells </script> did not end the data early")
        XCTAssertEqual(json["metaCount"] as? Int, g.config.memoryTokens)
        let layers = json["layers"] as! [[String: Any]]
        XCTAssertEqual(layers.map { $0["index"] as! Int }, [0, 2])
        XCTAssertEqual(layers[1]["window"] as? Int, g.config.slidingWindow)
        // The base64 is the little-endian codes.
        let bytes = try XCTUnwrap(Data(base64Encoded: layers[1]["attention"] as! String))
        let codes = stride(from: 0, to: bytes.count, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
        XCTAssertEqual(codes, page.layers[1].attention)
        let scales = try XCTUnwrap(Data(base64Encoded: layers[1]["ssmRowScale"] as! String))
        var floats: [Float] = []
        for o in stride(from: 0, to: scales.count, by: 4) {
            var bits: UInt32 = 0
            for k in 0..<4 { bits |= UInt32(scales[o + k]) << UInt32(8 * k) }
            floats.append(Float(bitPattern: bits))
        }
        XCTAssertEqual(floats, page.layers[1].ssmRowScale)
        let code = json["code"] as! [String: Any]
        XCTAssertEqual(code["scale"] as? Double, 32767)
        XCTAssertEqual((json["colormaps"] as! [String: [String]])["viridis"]?.count, 256)
        XCTAssertTrue(html.contains("<title>HymbaLens · test</title>"))
    }

    func testWeightCodeBounds() {
        XCTAssertEqual(WeightCode.encode(1), 32767)
        XCTAssertEqual(WeightCode.encode(-1), -32767)
        XCTAssertEqual(WeightCode.encode(2), 32767, "clamped")
        XCTAssertEqual(WeightCode.encode(.nan), 0)
        for value in stride(from: -1.0, through: 1.0, by: 0.001237) {
            XCTAssertLessThanOrEqual(abs(WeightCode.decode(WeightCode.encode(value)) - value), WeightCode.maximumError + 1e-12)
        }
        XCTAssertLessThan(WeightCode.maximumError, 1.6e-5, "the precision the page states")
    }

    /// The cap: counted exactly, checked before anything runs, and the error says what to cut.
    func testSizeCapIsCheckedUpFront() throws {
        XCTAssertEqual(ViewerSize.weightsPerMap(tokens: 3, metaCount: 2), 3 * 2 + (1 + 2 + 3))
        XCTAssertEqual(ViewerSize.weights(tokens: 3, metaCount: 2, heads: 4, layers: 5), 5 * 4 * 2 * 12)
        let config = try golden().config
        XCTAssertNoThrow(try InteractiveView.check(config: config, tokens: 12, layers: [0, 1]))
        XCTAssertThrowsError(try InteractiveView.check(config: config, tokens: 12, layers: [0, 1], maximumWeights: 100)) {
            guard case .tooLarge(let weights, let maximum, _, let layers, _)? = $0 as? ViewerError else { return XCTFail("\($0)") }
            XCTAssertEqual(weights, ViewerSize.weights(tokens: 12, metaCount: config.memoryTokens, heads: config.attentionHeads, layers: 2))
            XCTAssertEqual(maximum, 100)
            XCTAssertEqual(layers, 2)
            XCTAssertTrue("\($0)".contains("choose fewer layers with --layers, a shorter prompt, or raise --max-weights"))
        }
        XCTAssertThrowsError(try InteractiveView.check(config: config, tokens: 12, layers: [config.hiddenLayers])) {
            XCTAssertEqual($0 as? ViewerError, .layerOutOfRange(layer: config.hiddenLayers, layers: config.hiddenLayers))
        }
        XCTAssertThrowsError(try InteractiveView.check(config: config, tokens: 12, layers: [])) {
            XCTAssertEqual($0 as? ViewerError, .noLayers)
        }
        // The default cap holds what the docs say: every layer of the bundled model at 550 tokens.
        let bundled = try Checkpoint(directory: FixtureFiles.bundledModel).config
        XCTAssertLessThanOrEqual(ViewerSize.weights(tokens: 550, metaCount: bundled.memoryTokens, heads: bundled.attentionHeads,
                                                    layers: bundled.hiddenLayers), ViewerSize.defaultMaximumWeights)
        XCTAssertGreaterThan(ViewerSize.weights(tokens: 570, metaCount: bundled.memoryTokens, heads: bundled.attentionHeads,
                                                layers: bundled.hiddenLayers), ViewerSize.defaultMaximumWeights)
    }

    /// The library call the report uses: one forward pass, one file, nothing else in the folder.
    func testWriteRunsTheModelAndWritesOneFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("viewer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try Checkpoint(directory: FixtureFiles.bundledModel)
        let model = try HymbaModel(checkpoint: checkpoint)
        let tokenizer = try Tokenizer(directory: FixtureFiles.bundledModel)
        let ids = tokenizer.encode("The cat sat on the mat.")
        let url = folder.appendingPathComponent("passage/view.html")
        let bytes = try InteractiveView.write(model: model, ids: ids, tokenizer: tokenizer, layers: [0, 5],
                                              modelName: "hymba-tiny", to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["view.html"])
        let html = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(html.utf8.count, bytes)
        XCTAssertTrue(html.contains("hymba-tiny · “The cat sat on the mat.”"))
        XCTAssertTrue(html.hasSuffix("</html>\n"))
        // Against a trace of the same prompt: the page's attention rows are the recorded ones.
        let recorder = model.makeRecorder(plan: try RecordingPlan("attn_probs@5", config: checkpoint.config))
        _ = try model.forward(ids: ids, recorder: recorder)
        let recorded = try XCTUnwrap(recorder.tensors.first { $0.name == "layers.5.attn_probs" }).tensor.floats
        let page = try InteractiveView.record(model: model, ids: ids, tokenizer: tokenizer, layers: [5], modelName: "hymba-tiny")
        let m = checkpoint.config.memoryTokens, t = m + ids.count, i = ids.count - 1
        let stored = page.layers[0].attention, start = 3 * ViewerSize.weightsPerMap(tokens: ids.count, metaCount: m) + i * m + i * (i + 1) / 2
        for u in 0..<t {
            XCTAssertEqual(WeightCode.decode(stored[start + u]), Double(recorded[(3 * t + m + i) * t + u]), accuracy: WeightCode.maximumError + 1e-9)
        }
        XCTAssertEqual(page.tokens, tokenizer.tokenStrings(ids))
    }
}
