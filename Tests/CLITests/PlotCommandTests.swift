import Foundation
import XCTest
import HymbaKit
@testable import HymbaPlot
@testable import hymba_lens

/// `hymba-lens plot` end to end: figures from a saved recording match the ones `attention`
/// draws from the model, head numbers find their slots, sliding-window masks come from the
/// model's config (and only then), every key shape has a figure, and bad requests fail cleanly.
final class PlotCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("plot") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Long enough (> 66 tokens after 32 meta tokens) for layer 1's 64-token window to mask cells.
    static let text = """
        Every spring the river rose over the low fields, and every spring the farmers moved their \
        sheep to the hill. The old bridge held, though its stones were green with moss and the \
        railing had long since fallen into the water. Children counted the boats that drifted past \
        and argued about where they had come from.
        """
    static let plan = "input_ids,attn_probs@1:h1,h3,ssm_attn@1:h3,attn_mass@1,hidden@1,meta_attn_received@1"

    private static var shared: URL?

    /// One recording for every test (the model path is relative, as a user would type it).
    private func recording() throws -> URL {
        if let url = Self.shared { return url }
        let folder = try CLI.temporaryDirectory("plot-recording")
        let url = folder.appendingPathComponent("rec.safetensors")
        let result = try CLI.run(["trace", "models/hymba-tiny", "--text", Self.text, "--record", Self.plan,
                                  "--ssm-attn-channels", "5,17", "--out", url.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        Self.shared = url
        return url
    }

    override class func tearDown() {
        if let url = shared { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        shared = nil
    }

    /// `plot --head 3` of a map holding heads [1, 3] draws slot 1, pixel for pixel what
    /// `attention --head 3` draws from the model, sliding-window mask included.
    func testRecordedHeadMatchesTheLiveFigure() throws {
        let rec = try recording()
        let plotted = directory.appendingPathComponent("plotted.png"), live = directory.appendingPathComponent("live.png")
        let plot = try CLI.run(["plot", rec.path, "--key", "layers.1.attn_probs", "--head", "3", "--meta", "keys", "--out", plotted.path])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        XCTAssertFalse(plot.stderr.contains("note:"), "the model's config was found: \(plot.stderr)")
        let attention = try CLI.run(["attention", "--text", Self.text, "--layer", "1", "--head", "3", "--meta", "keys",
                                     "--out", live.path, "--quiet"])
        XCTAssertEqual(attention.status, 0, attention.stderr)
        let a = try RasterImage(contentsOf: plotted), b = try RasterImage(contentsOf: live)
        XCTAssertEqual(a.meanAbsoluteDifference(to: b), 0, "plot from the recording = attention from the model")

        // Where the window ends: row t sees prompt keys t-64 … t, and every meta key.
        let recording = try Recording(contentsOf: rec)
        let map = try FigureRebuild.map(recording, key: "layers.1.attn_probs", kind: .attention, head: 3)
        let figure = try FigureRebuild.builder(recording, meta: .keys).single(map)
        let cells = try FigureRebuild.cellCenters(figure, dpi: 144)
        let m = recording.manifest.metaTokens, t = map.positions - 1
        XCTAssertGreaterThan(t - m, 64, "the prompt must outrun the window")
        let row = t - m                                   // rows are prompt tokens only with --meta keys
        let top = map.values.max()!
        FigureRebuild.assertMasked(a.color(x: cells(0, row, t - 65).x, y: cells(0, row, t - 65).y), "key 65 back: outside the window")
        assertColor(a.color(x: cells(0, row, t - 64).x, y: cells(0, row, t - 64).y),
                    Colormap.viridis.color(at: Double(map.value(query: t, key: t - 64) / top)), "key 64 back: inside the window")
        assertColor(a.color(x: cells(0, row, 3).x, y: cells(0, row, 3).y),
                    Colormap.viridis.color(at: Double(map.value(query: t, key: 3) / top)), "meta keys are always visible")
    }

    /// Without the model folder only the future is masked (always right); the window's cells
    /// show their recorded 0 and a note says why. --model DIR brings the exact mask back.
    func testWithoutTheModelConfigOnlyTheFutureIsMasked() throws {
        let rec = try recording()
        let elsewhere = directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        for url in [rec, Recording.manifestURL(for: rec)] {
            try FileManager.default.copyItem(at: url, to: elsewhere.appendingPathComponent(url.lastPathComponent))
        }
        let copy = elsewhere.appendingPathComponent(rec.lastPathComponent)
        let out = directory.appendingPathComponent("causal.png")
        let result = try CLI.run(["plot", copy.path, "--key", "layers.1.attn_probs", "--head", "1", "--meta", "keys", "--out", out.path],
                                 in: elsewhere)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("note: the recording's model models/hymba-tiny was not found"), result.stderr)

        let recording = try Recording(contentsOf: rec)
        var map = try FigureRebuild.map(recording, key: "layers.1.attn_probs", kind: .attention, head: 1)
        map = HeadMap(kind: .attention, layer: 1, index: 1, tensor: Tensor(shape: [1, map.positions, map.positions], floats: map.values),
                      slot: 0, visibility: .causal)
        let figure = try FigureRebuild.builder(recording, meta: .keys).single(map)
        let image = try RasterImage(contentsOf: out)
        try FigureRebuild.assertPixelSize(image, of: figure, dpi: 144)
        let cells = try FigureRebuild.cellCenters(figure, dpi: 144)
        let m = recording.manifest.metaTokens, t = map.positions - 1
        XCTAssertEqual(map.value(query: t, key: t - 65), 0)
        assertColor(image.color(x: cells(0, t - m, t - 65).x, y: cells(0, t - m, t - 65).y), Colormap.viridis.color(at: 0),
                    "outside the window, drawn as its recorded 0")
        FigureRebuild.assertMasked(image.color(x: cells(0, 5, m + 6).x, y: cells(0, 5, m + 6).y), "the future is masked regardless")

        let exact = directory.appendingPathComponent("exact.png")
        let withModel = try CLI.run(["plot", copy.path, "--key", "layers.1.attn_probs", "--head", "1", "--meta", "keys",
                                     "--model", CLI.bundledModel.path, "--out", exact.path], in: elsewhere)
        XCTAssertEqual(withModel.status, 0, withModel.stderr)
        XCTAssertFalse(withModel.stderr.contains("note:"))
        FigureRebuild.assertMasked(try RasterImage(contentsOf: exact).color(x: cells(0, t - m, t - 65).x, y: cells(0, t - m, t - 65).y),
                                   "with --model the window is masked again")
    }

    /// Every key shape has a figure, in every format.
    func testEveryKindOfKeyDraws() throws {
        let rec = try recording()
        let cases: [(arguments: [String], file: String)] = [
            (["--key", "layers.1.attn_mass"], "mass.png"),
            (["--key", "layers.1.hidden", "--from", "10", "--to", "30"], "hidden.svg"),
            (["--key", "layers.1.meta_attn_received"], "meta.pdf"),
            (["--key", "layers.1.ssm_attn_channels", "--channel", "17", "--abs"], "channel.png"),
            (["--key", "layers.1.ssm_attn_channels", "--grid"], "channels.svg"),
            (["--key", "layers.1.attn_probs", "--grid", "--norm", "log"], "heads.pdf"),
            (["--key", "layers.1.ssm_attn", "--head", "3", "--side-by-side", "--meta", "none", "--from", "60"], "pair.png"),
        ]
        let runs = cases.map { ["plot", rec.path] + $0.arguments + ["--out", directory.appendingPathComponent($0.file).path, "--quiet"] }
        for ((arguments, file), result) in zip(cases, try CLI.runAll(runs)) {
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            XCTAssertGreaterThan((try? Data(contentsOf: directory.appendingPathComponent(file)))?.count ?? 0, 1000, "\(file) was written")
        }

        // The mass chart and the hidden-state map have the size of the figures the command builds.
        let recording = try Recording(contentsOf: rec)
        let naming = LayerTitle(modelPath: "models/hymba-tiny", config: try FigureRebuild.bundledConfig())
        let mass = try MassFigure(key: RecordingKey("layers.1.attn_mass"), tensor: XCTUnwrap(recording.tensor("layers.1.attn_mass")),
                                  naming: naming, title: nil).figure()
        try FigureRebuild.assertPixelSize(try RasterImage(contentsOf: directory.appendingPathComponent("mass.png")), of: mass, dpi: 144)
        guard case .bar(let chart) = mass.panels[0] else { return XCTFail("a bar chart") }
        XCTAssertEqual(chart.series.map(\.name), ["meta", "BOS", "self", "cross"])
        XCTAssertEqual(chart.arrangement, .stacked)
        for head in 0..<4 {
            XCTAssertEqual(chart.series.map { $0.values[head] }.reduce(0, +), 1, accuracy: 1e-4, "head \(head)'s shares sum to 1")
        }

        // The pair, rasterised: the SSM panel is on a diverging scale (some cell is red).
        let pair = try RasterImage(contentsOf: directory.appendingPathComponent("pair.png"))
        var reddish = 0
        for y in Swift.stride(from: 0, to: pair.height, by: 3) {
            for x in Swift.stride(from: pair.width / 2, to: pair.width, by: 3) {
                if let (r, g, b) = pair.color(x: x, y: y)?.rgb8, r > 150, r - b > 60, r - g > 60 { reddish += 1 }
            }
        }
        XCTAssertGreaterThan(reddish, 20, "the SSM panel uses RdBu_r")
    }

    /// Each bad request: one error line naming the problem, nonzero status, nothing written.
    func testBadRequestsFailCleanly() throws {
        let rec = try recording().path
        let out = directory.appendingPathComponent("fig.png").path
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16").path
        let cases: [(arguments: [String], fragment: String)] = [
            (["plot", rec, "--key", "layers.9.hidden", "--out", out], "has no key 'layers.9.hidden' (it holds: input_ids, layers.1.hidden"),
            (["plot", rec, "--key", "layers.1.hidden", "--head", "1", "--out", out], "is not a per-head map, so --head does not apply"),
            (["plot", rec, "--key", "layers.1.attn_mass", "--grid", "--out", out], "--grid does not apply"),
            (["plot", rec, "--key", "input_ids", "--out", out], "only 2-D keys and [k, T, T] maps can be drawn"),
            (["plot", rec, "--key", "layers.1.attn_probs", "--head", "2", "--out", out], "layers.1.attn_probs holds heads 1, 3 only, not 2"),
            (["plot", rec, "--key", "layers.1.attn_probs", "--out", out], "holds 2 heads (1, 3): choose one with --head, or draw all with --grid"),
            (["plot", rec, "--key", "layers.1.attn_probs", "--head", "1", "--side-by-side", "--out", out], "layers.1.ssm_attn holds heads 3 only, not 1"),
            (["plot", rec, "--key", "layers.1.attn_probs", "--channel", "5", "--out", out], "--channel applies to ssm_attn_channels"),
            (["plot", rec, "--key", "layers.1.ssm_attn_channels", "--head", "0", "--out", out], "holds SSM channels, not heads"),
            (["plot", rec, "--key", "layers.1.ssm_attn_channels", "--channel", "6", "--out", out], "holds channels 5, 17 only, not 6"),
            (["plot", rec, "--key", "layers.1.ssm_attn", "--norm", "power", "--out", out], "cannot draw signed values"),
            (["plot", rec, "--key", "layers.1.attn_probs", "--head", "1", "--model", fixture, "--out", out], "differs from the recording's model"),
            (["plot", rec, "--key", "layers.1.hidden", "--out", directory.appendingPathComponent("fig.gif").path], "extension must be"),
            (["plot", rec, "--key", "layers.1.hidden", "--out", CLI.bundledModel.appendingPathComponent("config.json/fig.png").path], "is a file, not a directory"),
            (["plot", directory.appendingPathComponent("none.safetensors").path, "--key", "logits", "--out", out], "not found"),
            (["plot", rec, "--key", "layers.1.attn_probs", "--head", "1", "--to", "500", "--out", out], "--to 500 must be after --from 0"),
        ]
        for ((_, fragment), result) in zip(cases, try CLI.runAll(cases.map(\.arguments))) {
            assertFails(result, mentioning: fragment)
        }
        XCTAssertEqual(CLI.contents(of: directory), [], "no figure and no temporary file may remain")
    }
}
