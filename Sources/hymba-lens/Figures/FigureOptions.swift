import ArgumentParser
import Foundation
import HymbaPlot

/// How a figure looks and where it goes; shared by `attention` and `plot`.
struct FigureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output figure: .png, .svg or .pdf (chosen by the extension).", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Raster resolution of a .png (pixels = points × dpi / 72); vector formats ignore it.", valueName: "n"))
    var dpi: Double = 144

    @Option(help: ArgumentHelp("Colour map: viridis, magma, cividis, RdBu; add _r to reverse (default: viridis, RdBu_r for signed values).", valueName: "name"))
    var colormap: String?

    @Option(help: ArgumentHelp("Colour scale: linear, log or power (signed values allow only linear).", valueName: "scale"))
    var norm: NormChoice = .linear

    @Option(help: ArgumentHelp("Exponent of --norm power; below 1 lifts faint cells.", valueName: "g"))
    var gamma: Double = 0.5

    @Option(help: ArgumentHelp("Top of the colour scale (the ±limit for signed values); fix it to compare figures. Default: the largest value in the prompt's rows (a triangle on the colour bar marks clipped cells).", valueName: "v"))
    var vmax: Double?

    @Flag(help: "Draw SSM maps as |α| on a sequential scale instead of signed α on a diverging one.")
    var abs = false

    @Option(help: ArgumentHelp("Meta tokens: all (rows and columns), keys (columns only: queries are the prompt), none.", valueName: "all|keys|none"))
    var meta: MetaDisplay = .all

    @Option(help: ArgumentHelp("First prompt token to show (0 = the first token, usually <s>).", valueName: "i"))
    var from: Int?

    @Option(help: ArgumentHelp("Show prompt tokens up to, not including, this one (default: the end).", valueName: "j"))
    var to: Int?

    @Option(help: ArgumentHelp("Title instead of the automatic one (\"\" for none).", valueName: "text"))
    var title: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard dpi.isFinite, dpi >= 10, dpi <= 2400 else { throw ValidationError("--dpi must be between 10 and 2400") }
        guard gamma.isFinite, gamma > 0 else { throw ValidationError("--gamma must be a positive number") }
        if let vmax, !(vmax.isFinite && vmax > 0) { throw ValidationError("--vmax must be a positive number") }
        _ = try resolvedColormap()
    }

    /// Fails fast, before any work, if the figure cannot be written.
    func checkedOutput() throws -> URL {
        try OutputPath.check(out, extensions: OutputFormat.allCases.map(\.rawValue))
    }

    /// The user's colour map, nil when none was asked for.
    func resolvedColormap() throws -> Colormap? {
        guard let colormap else { return nil }
        guard let map = Colormap.named(colormap) else {
            let known = Colormap.builtIn.map(\.name).joined(separator: ", ")
            throw ValidationError("unknown colour map '\(colormap)' (known: \(known); add _r to reverse)")
        }
        return map
    }

    var style: MapStyleOptions {
        MapStyleOptions(colormap: (try? resolvedColormap()) ?? nil, norm: norm, gamma: gamma, vmax: vmax, absolute: abs)
    }

    /// Writes the figure (creating missing parent folders) and says where on stdout.
    func write(_ figure: Figure, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try figure.render(to: url, dpi: dpi)
        let size = try figure.resolvedSize()
        print("wrote \(out) (\(Int(size.width.rounded())) × \(Int(size.height.rounded())) pt)")
    }
}

enum NormChoice: String, CaseIterable, ExpressibleByArgument {
    case linear, log, power
}

extension MetaDisplay: ExpressibleByArgument {}
