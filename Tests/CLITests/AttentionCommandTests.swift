import Foundation
import XCTest
import HymbaKit
@testable import HymbaPlot
@testable import hymba_lens

/// `hymba-lens attention` end to end: figures drawn by the executable are read back pixel by
/// pixel and compared with the recorded tensors (from `trace` on the same prompt), the vector
/// formats are rasterised by rsvg-convert / pdftoppm and compared with the PNG, and every bad
/// request fails in one line without writing anything.
final class AttentionCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("attention") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    static let prompt = "The cat sat on the mat."
    /// Six tokens drawn without meta tokens: a small figure, quick for the external renderers.
    static let shortIDs = "1,450,6635,3290,373,278"

    private static var layer0: Recording?

    /// The maps of layer 0 as `trace` records them for `prompt` (recorded once per run).
    private func recordLayer0() throws -> Recording {
        if let recording = Self.layer0 { return recording }
        let out = directory.appendingPathComponent("l0.safetensors")
        let result = try CLI.run(["trace", "models/hymba-tiny", "--text", Self.prompt, "--record", "attn_probs@0:h0,h1,ssm_attn@0:h1",
                                  "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let recording = try Recording(contentsOf: out)
        try FileManager.default.removeItem(at: out)
        try FileManager.default.removeItem(at: Recording.manifestURL(for: out))
        Self.layer0 = recording
        return recording
    }

    func testAttentionMapCellsShowTheRecordedProbabilities() throws {
        let out = directory.appendingPathComponent("head.png")
        let result = try CLI.run(["attention", "--text", Self.prompt, "--layer", "0", "--head", "1", "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("wrote \(out.path)"), result.stdout)

        let recording = try recordLayer0()
        let figure = try FigureRebuild.single(recording, key: "layers.0.attn_probs", kind: .attention, head: 1)
        let image = try RasterImage(contentsOf: out)
        try FigureRebuild.assertPixelSize(image, of: figure, dpi: 144)

        let map = try FigureRebuild.map(recording, key: "layers.0.attn_probs", kind: .attention, head: 1)
        let config = try FigureRebuild.bundledConfig()
        let mask = HymbaKit.AttentionMask(config: config, layer: 0)
        // Automatic scale: 0 … the largest probability in the prompt's rows (the meta rows,
        // whose m0 → m0 is always 1, are clipped to the top colour instead).
        var top: Float = 0
        let m0 = recording.manifest.metaTokens
        for q in m0..<map.positions { for k in 0...q where mask.allows(query: q, key: k) { top = max(top, map.value(query: q, key: k)) } }
        XCTAssertLessThan(top, 1, "this prompt's rows never reach m0's certainty")
        let cells = try FigureRebuild.cellCenters(figure, dpi: 144)
        let m = recording.manifest.metaTokens
        var checked = 0
        for q in m..<map.positions {
            // Every prompt-token cell, and every meta-token key of the row.
            for k in 0..<map.positions {
                let pixel = image.color(x: cells(0, q, k).x, y: cells(0, q, k).y)
                if mask.allows(query: q, key: k) {
                    let expected = Colormap.viridis.color(at: Double(map.value(query: q, key: k) / top))
                    assertColor(pixel, expected, "attention cell (\(q), \(k)) = \(map.value(query: q, key: k))")
                } else {
                    assertMasked(pixel, "future cell (\(q), \(k))")
                }
                checked += 1
            }
        }
        XCTAssertEqual(checked, (map.positions - m) * map.positions)
        // The brightest prompt cell really is the top of the map: yellow, not a rescaled shade.
        let strongest = (m..<map.positions).flatMap { q in (0...q).map { (q, $0) } }.max {
            map.value(query: $0.0, key: $0.1) < map.value(query: $1.0, key: $1.1)
        }!
        assertColor(image.color(x: cells(0, strongest.0, strongest.1).x, y: cells(0, strongest.0, strongest.1).y),
                    Colormap.viridis.color(at: Double(map.value(query: strongest.0, key: strongest.1) / top)), "strongest cell")
        // m0 → m0 = 1 lies above the top: drawn in the top colour (the colour bar marks it).
        XCTAssertEqual(map.value(query: 0, key: 0), 1)
        assertColor(image.color(x: cells(0, 0, 0).x, y: cells(0, 0, 0).y), Colormap.viridis.color(at: 1), "clipped meta cell")
    }

    func testSSMMapIsSignedOnADivergingScaleCentredOnZero() throws {
        let out = directory.appendingPathComponent("ssm.png")
        let result = try CLI.run(["attention", "--text", Self.prompt, "--layer", "0", "--head", "1", "--ssm", "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let recording = try recordLayer0()
        let figure = try FigureRebuild.single(recording, key: "layers.0.ssm_attn", kind: .ssm, head: 1)
        let image = try RasterImage(contentsOf: out)
        try FigureRebuild.assertPixelSize(image, of: figure, dpi: 144)

        let map = try FigureRebuild.map(recording, key: "layers.0.ssm_attn", kind: .ssm, head: 1)
        var limit: Float = 0, negatives = 0
        for q in 0..<map.positions { for k in 0...q { limit = max(limit, abs(map.value(query: q, key: k))) } }
        let cells = try FigureRebuild.cellCenters(figure, dpi: 144)
        let diverging = Colormap.rdBu.reversed
        for q in recording.manifest.metaTokens..<map.positions {
            for k in 0..<map.positions {
                let pixel = image.color(x: cells(0, q, k).x, y: cells(0, q, k).y)
                guard k <= q else { assertMasked(pixel, "future SSM cell (\(q), \(k))"); continue }
                let value = map.value(query: q, key: k)
                assertColor(pixel, diverging.color(at: Double((value + limit) / (2 * limit))), "SSM cell (\(q), \(k)) = \(value)")
                if value < -0.02 * limit {
                    negatives += 1
                    let (r, _, b) = pixel!.rgb8
                    XCTAssertGreaterThan(b, r, "negative α is blue at (\(q), \(k))")
                }
            }
        }
        XCTAssertGreaterThan(negatives, 0, "the prompt should have some clearly negative α to check")
    }

    /// Side by side, in all three formats: the SVG and PDF rasterised by other renderers match
    /// the PNG, the PDF page has the figure's size, and both panels carry their own scale.
    func testSideBySideInEveryFormat() throws {
        let urls = try drawInEveryFormat(named: "both", ["attention", "--ids", Self.shortIDs, "--layer", "0", "--head", "1",
                                                         "--side-by-side", "--meta", "none", "--quiet"])
        let recording = try recordLayer0()     // the same six tokens begin `prompt`: causal maps agree on them
        let full = try FigureRebuild.builder(recording, meta: .none)
        let builder = AttentionFigure(sequence: full.sequence, meta: .none, tokens: 0..<6, style: full.style, naming: full.naming, title: nil)
        let attention = try FigureRebuild.map(recording, key: "layers.0.attn_probs", kind: .attention, head: 1)
        let ssm = try FigureRebuild.map(recording, key: "layers.0.ssm_attn", kind: .ssm, head: 1)
        let figure = try builder.sideBySide(attention: attention, ssm: ssm)
        XCTAssertEqual(figure.title, "hymba-tiny · layer 0 · head 1 · tokens 0–5, meta keys hidden",
                       "the title says the drawn rows are not whole")
        let rasters = try Renderers.compareFormats(urls, figure: figure, dpi: 144, in: directory)

        // Every drawn cell of both panels, in every format: each panel on its own scale.
        let cells = try FigureRebuild.cellCenters(figure, dpi: 144)
        let m = recording.manifest.metaTokens
        let shown = (m..<(m + 6))
        let attentionTop = shown.flatMap { q in shown.filter { $0 <= q }.map { attention.value(query: q, key: $0) } }.max()!
        let ssmLimit = shown.flatMap { q in shown.filter { $0 <= q }.map { abs(ssm.value(query: q, key: $0)) } }.max()!
        for (format, image) in rasters {
            let tolerance = format == .png ? 3 : 8
            for q in 0..<6 {
                for k in 0...q {
                    assertColor(image.color(x: cells(0, q, k).x, y: cells(0, q, k).y),
                                Colormap.viridis.color(at: Double(attention.value(query: m + q, key: m + k) / attentionTop)),
                                tolerance: tolerance, "\(format) attention panel (\(q), \(k))")
                    let alpha = ssm.value(query: m + q, key: m + k)
                    assertColor(image.color(x: cells(1, q, k).x, y: cells(1, q, k).y),
                                Colormap.rdBu.reversed.color(at: Double((alpha + ssmLimit) / (2 * ssmLimit))),
                                tolerance: tolerance, "\(format) SSM panel (\(q), \(k))")
                }
            }
        }
    }

    func testGridDrawsEveryHeadInEveryFormat() throws {
        let urls = try drawInEveryFormat(named: "grid", ["attention", "--ids", Self.shortIDs, "--layer", "0", "--grid",
                                                         "--side-by-side", "--quiet"])
        // Rebuild the grid from a recording of every head, to know the size it must have.
        let rec = directory.appendingPathComponent("all.safetensors")
        XCTAssertEqual(try CLI.run(["trace", "models/hymba-tiny", "--ids", Self.shortIDs, "--record", "attn_probs@0,ssm_attn@0",
                                    "--out", rec.path, "--quiet"]).status, 0)
        let recording = try Recording(contentsOf: rec)
        let maps = try [HeadMap.Kind.attention, .ssm].map { kind in
            try (0..<4).map { try FigureRebuild.map(recording, key: kind.hookPoint.key(layer: 0), kind: kind, head: $0) }
        }
        let figure = try FigureRebuild.builder(recording).grid(maps, headCount: 4)
        XCTAssertEqual(figure.title, "hymba-tiny · layer 0 · every head")
        XCTAssertEqual(figure.panels.count, 2, "an attention block and an SSM block, each with its colour bar")
        guard case .smallMultiples(let attention) = figure.panels[0] else { return XCTFail("small multiples") }
        XCTAssertEqual(attention.colTitles, ["h0", "h1", "h2", "h3"])
        XCTAssertEqual(attention.leadingGroup, LeadingGroup(rows: 32, cols: 32, label: "meta"))
        try Renderers.compareFormats(urls, figure: figure, dpi: 144, in: directory)
    }

    func testCroppingAndMetaOptionsShrinkTheMap() throws {
        let full = directory.appendingPathComponent("full.png"), cropped = directory.appendingPathComponent("crop.png")
        XCTAssertEqual(try CLI.run(["attention", "--text", Self.prompt, "--layer", "0", "--out", full.path, "--quiet"]).status, 0)
        let crop = try CLI.run(["attention", "--text", Self.prompt, "--layer", "0", "--meta", "keys", "--from", "2", "--to", "6",
                                "--norm", "power", "--colormap", "magma", "--dpi", "72", "--title", "", "--out", cropped.path, "--quiet"])
        XCTAssertEqual(crop.status, 0, crop.stderr)
        let recording = try recordLayer0()
        var builder = try FigureRebuild.builder(recording)
        builder = AttentionFigure(sequence: builder.sequence, meta: .keys, tokens: 2..<6,
                                  style: MapStyleOptions(colormap: .magma, norm: .power), naming: builder.naming, title: "")
        let figure = try builder.single(FigureRebuild.map(recording, key: "layers.0.attn_probs", kind: .attention, head: 0))
        guard case .heatmap(let heatmap) = figure.panels[0] else { return XCTFail("one heatmap") }
        XCTAssertEqual(heatmap.rows, 4, "queries: prompt tokens 2..<6 only")
        XCTAssertEqual(heatmap.cols, 32 + 4, "keys: the meta tokens, then tokens 2..<6")
        XCTAssertEqual(heatmap.leadingGroup, LeadingGroup(rows: 0, cols: 32, label: "meta"))
        XCTAssertEqual(Array(heatmap.colLabels!.suffix(5)), ["m31", "▁cat", "▁sat", "▁on", "▁the"])
        try FigureRebuild.assertPixelSize(try RasterImage(contentsOf: cropped), of: figure, dpi: 72)
        XCTAssertLessThan(try RasterImage(contentsOf: cropped).width, try RasterImage(contentsOf: full).width / 2)
    }

    func testHelpExplainsLongSequencesAndTheSSMScale() throws {
        let help = try CLI.run(["attention", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in ["16 pt up to 30 positions", "480 / T pt", "every k-th label", "diverging", "--abs", "hatched", "--from"] {
            XCTAssertTrue(help.contains(phrase), "--help should mention '\(phrase)'")
        }
    }

    /// Each bad request: one error line naming the problem, nonzero status, nothing written.
    func testBadRequestsFailCleanly() throws {
        let out = directory.appendingPathComponent("fig.png").path
        let base = ["attention", "--text", "Hi", "--quiet"]
        let cases: [(arguments: [String], fragment: String)] = [
            (base + ["--layer", "6", "--out", out], "--layer 6 is out of range (the model has layers 0...5)"),
            (base + ["--layer=-1", "--out", out], "--layer -1 is out of range"),
            (base + ["--layer", "0", "--head", "4", "--out", out], "--head 4 is out of range (the model has heads 0...3)"),
            (base + ["--layer", "0", "--out", directory.appendingPathComponent("fig.jpg").path], "extension must be .png or .svg or .pdf"),
            (base + ["--layer", "0", "--out", CLI.bundledModel.appendingPathComponent("config.json/fig.png").path], "is a file, not a directory"),
            (base + ["--layer", "0", "--ssm", "--side-by-side", "--out", out], "exclude each other"),
            (base + ["--layer", "0", "--grid", "--head", "1", "--out", out], "--grid draws every head"),
            (base + ["--layer", "0", "--ssm", "--norm", "log", "--out", out], "add --abs"),
            (base + ["--layer", "0", "--colormap", "jet", "--out", out], "unknown colour map 'jet'"),
            (base + ["--layer", "0", "--from", "5", "--out", out], "--from 5 is outside the prompt"),
            (base + ["--layer", "0", "--from", "1", "--to", "1", "--out", out], "--to 1 must be after --from 1 and at most 2"),
            (base + ["--layer", "0", "--dpi", "0", "--out", out], "--dpi"),
            (base + ["--layer", "0", "--meta", "some", "--out", out], "--meta"),
            (["attention", directory.appendingPathComponent("nowhere").path, "--ids", "1", "--layer", "0", "--out", out], "not found"),
            (["attention", "--ids", "1,99999", "--layer", "0", "--out", out], "99999"),
        ]
        for ((_, fragment), result) in zip(cases, try CLI.runAll(cases.map(\.arguments))) {
            assertFails(result, mentioning: fragment)
        }
        XCTAssertEqual(CLI.contents(of: directory), [], "no figure and no temporary file may remain")
    }

    func testReadOnlyDirectoryIsRefusedBeforeTheModelRuns() throws {
        guard getuid() != 0 else { throw XCTSkip("root ignores directory permissions") }
        let locked = directory.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o555])
        let result = try CLI.run(["attention", "--text", "Hi", "--layer", "0", "--out", locked.appendingPathComponent("f.svg").path])
        assertFails(result, mentioning: "not writable")
        XCTAssertFalse(result.stderr.contains("loading"), "the output path is checked before the weights are loaded")
    }

    /// The same command with `--out` NAME.png, .svg and .pdf, run side by side.
    private func drawInEveryFormat(named name: String, _ arguments: [String]) throws -> [OutputFormat: URL] {
        let formats = OutputFormat.allCases
        let urls = formats.map { directory.appendingPathComponent("\(name).\($0.rawValue)") }
        for result in try CLI.runAll(urls.map { arguments + ["--out", $0.path] }) {
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        return Dictionary(uniqueKeysWithValues: zip(formats, urls))
    }

    private func assertMasked(_ pixel: Color?, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        FigureRebuild.assertMasked(pixel, message, file: file, line: line)
    }
}

// MARK: - Shared by the attention and plot tests

extension CLI {
    /// Runs several invocations at once (each loads the model on its own), results in order.
    static func runAll(_ argumentLists: [[String]], in directory: URL = repositoryRoot) throws -> [Result] {
        final class Slots: @unchecked Sendable {
            var results: [Swift.Result<CLI.Result, Error>?]
            let lock = NSLock()
            init(_ count: Int) { results = Array(repeating: nil, count: count) }
        }
        let slots = Slots(argumentLists.count)
        DispatchQueue.concurrentPerform(iterations: argumentLists.count) { i in
            let result = Swift.Result { try CLI.run(argumentLists[i], in: directory) }
            slots.lock.lock(); slots.results[i] = result; slots.lock.unlock()
        }
        return try slots.results.map { try $0!.get() }
    }
}

/// Rebuilds, in the test process, the figure the executable drew — with the command's own
/// figure code, from a recording of the same prompt — to learn where each cell landed.
/// Expected colours never come from this figure: they come from the recorded tensors.
enum FigureRebuild {
    static func bundledConfig() throws -> HymbaConfig {
        try HymbaConfig(contentsOf: CLI.bundledModel.appendingPathComponent("config.json"))
    }

    static func builder(_ recording: Recording, meta: MetaDisplay = .all) throws -> AttentionFigure {
        let manifest = recording.manifest
        let sequence = TokenSequence(metaCount: manifest.metaTokens, ids: manifest.tokens.ids, strings: manifest.tokens.strings)
        return AttentionFigure(sequence: sequence, meta: meta, tokens: 0..<sequence.tokens.count, style: MapStyleOptions(),
                               naming: LayerTitle(modelPath: "models/hymba-tiny", config: try bundledConfig()), title: nil)
    }

    /// Head `head` of a recorded map, with the mask the command applies.
    static func map(_ recording: Recording, key: String, kind: HeadMap.Kind, head: Int) throws -> HeadMap {
        let tensor = try XCTUnwrap(recording.tensor(key), "recording lacks \(key)")
        let entry = try XCTUnwrap(recording.manifest.tensors.first { $0.name == key })
        let slot = try XCTUnwrap((entry.heads ?? entry.channels)?.firstIndex(of: head), "\(key) lacks head \(head)")
        let layer = try XCTUnwrap(RecordingKey(key).layer)
        let visibility: MapVisibility = kind == .attention
            ? .attention(HymbaKit.AttentionMask(config: try bundledConfig(), layer: layer)) : .causal
        return HeadMap(kind: kind, layer: layer, index: head, tensor: tensor, slot: slot, visibility: visibility)
    }

    static func single(_ recording: Recording, key: String, kind: HeadMap.Kind, head: Int) throws -> Figure {
        try builder(recording).single(map(recording, key: key, kind: kind, head: head))
    }

    /// (heatmap panel, T-row, T-column) → pixel at `dpi`, for maps showing every position.
    static func cellCenters(_ figure: Figure, dpi: Double) throws -> (Int, Int, Int) -> (x: Int, y: Int) {
        let frames = try figure.panelFrames()
        let text = try MeasuringContext(theme: figure.theme).text
        var layouts: [Int: HeatmapLayout] = [:]
        for (index, panel) in figure.panels.enumerated() {
            guard case .heatmap(let map) = panel else { continue }
            layouts[index] = map.layout(in: frames[index], norm: try map.resolvedNorm(), theme: figure.theme, text: text)
        }
        return { panel, row, col in
            let layout = layouts[panel]!
            let x = layout.map.minX + (Double(col) + 0.5) * layout.cellWidth
            let y = layout.map.minY + (Double(row) + 0.5) * layout.cellHeight
            return (Int(x * dpi / 72), Int(y * dpi / 72))
        }
    }

    static func assertPixelSize(_ image: RasterImage, of figure: Figure, dpi: Double,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let size = try figure.resolvedSize()
        XCTAssertEqual(image.width, Int((size.width * dpi / 72).rounded()), "PNG width = points × dpi / 72", file: file, line: line)
        XCTAssertEqual(image.height, Int((size.height * dpi / 72).rounded()), "PNG height", file: file, line: line)
    }

    /// Masked cells are the hatched neutral grey (fill or hatch line), a colour no map uses.
    static func assertMasked(_ pixel: Color?, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let (r, g, b) = pixel?.rgb8 else { return XCTFail("no pixel: \(message)", file: file, line: line) }
        let fill = MaskStyle.standard.fill.rgb8.red
        XCTAssertTrue(abs(r - g) <= 2 && abs(g - b) <= 2 && r >= 0xA0 && r <= fill + 2,
                      "\(message): expected the mask's grey, got \(r), \(g), \(b)", file: file, line: line)
    }
}

/// Colour comparison in 8-bit steps.
func assertColor(_ actual: Color?, _ expected: Color, tolerance: Int = 3, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { return XCTFail("no pixel: \(message)", file: file, line: line) }
    let a = actual.rgb8, e = expected.rgb8
    let worst = max(abs(a.red - e.red), abs(a.green - e.green), abs(a.blue - e.blue))
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): got \(actual), expected \(expected)", file: file, line: line)
}

/// rsvg-convert and pdftoppm (from librsvg2-bin and poppler-utils), as in HymbaPlot's tests.
enum Renderers {
    /// Largest mean absolute difference (0–255 per channel) between the PNG and another
    /// renderer's raster, per pixel and over 4 × 4 blocks — HymbaPlot's measured tolerances.
    static let tolerance: [OutputFormat: (pixels: Double, blocks: Double)] = [.svg: (3.5, 1.5), .pdf: (6.0, 3.2)]

    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLIError("\(arguments.joined(separator: " ")) failed") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Rasterises the SVG and PDF at `dpi`, checks the PDF page size and the PNG's pixel size
    /// against `figure`, and that all three agree; returns the three rasters.
    @discardableResult
    static func compareFormats(_ urls: [OutputFormat: URL], figure: Figure, dpi: Double, in directory: URL,
                               file: StaticString = #filePath, line: UInt = #line) throws -> [OutputFormat: RasterImage] {
        let size = try figure.resolvedSize()
        let svgRaster = directory.appendingPathComponent(urls[.svg]!.deletingPathExtension().lastPathComponent + "-svg.png")
        let pdfPrefix = directory.appendingPathComponent(urls[.pdf]!.deletingPathExtension().lastPathComponent + "-pdf")
        // Both renderers at once, as the suite must stay fast.
        let group = DispatchGroup()
        final class Failure: @unchecked Sendable { var error: Error? }
        let failure = Failure()
        for arguments in [["rsvg-convert", "--dpi-x", "\(dpi)", "--dpi-y", "\(dpi)", "--background-color", "white", "-o", svgRaster.path, urls[.svg]!.path],
                          ["pdftoppm", "-png", "-r", "\(Int(dpi))", "-singlefile", urls[.pdf]!.path, pdfPrefix.path]] {
            group.enter()
            DispatchQueue.global().async {
                do { _ = try run(arguments) } catch { failure.error = error }
                group.leave()
            }
        }
        let info = try run(["pdfinfo", urls[.pdf]!.path])
        group.wait()
        if let error = failure.error { throw error }
        let pageLine = try XCTUnwrap(info.split(separator: "\n").first { $0.hasPrefix("Page size:") }, file: file, line: line)
        let page = pageLine.split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(page.first ?? 0, size.width, accuracy: 0.01, "PDF page width (pt)", file: file, line: line)
        XCTAssertEqual(page.dropFirst().first ?? 0, size.height, accuracy: 0.01, "PDF page height (pt)", file: file, line: line)

        let rasters: [OutputFormat: RasterImage] = [
            .png: try RasterImage(contentsOf: urls[.png]!),
            .svg: try RasterImage(contentsOf: svgRaster),
            .pdf: try RasterImage(contentsOf: pdfPrefix.appendingPathExtension("png")),
        ]
        let png = rasters[.png]!
        try FigureRebuild.assertPixelSize(png, of: figure, dpi: dpi, file: file, line: line)
        for format in [OutputFormat.svg, .pdf] {
            let other = rasters[format]!
            let sizes = "\(format) raster is \(other.width)×\(other.height), PNG \(png.width)×\(png.height)"
            let raw = try XCTUnwrap(png.meanAbsoluteDifference(to: other), sizes, file: file, line: line)
            let blocks = try XCTUnwrap(png.meanAbsoluteDifference(to: other, blockSize: 4), sizes, file: file, line: line)
            XCTAssertLessThan(raw, tolerance[format]!.pixels, "\(format) vs PNG", file: file, line: line)
            XCTAssertLessThan(blocks, tolerance[format]!.blocks, "\(format) vs PNG, 4×4 blocks", file: file, line: line)
        }
        return rasters
    }
}
