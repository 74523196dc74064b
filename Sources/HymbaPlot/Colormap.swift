/// A continuous colour map: a table of colours at evenly spaced positions in 0...1, linearly
/// interpolated in sRGB between neighbours.
///
/// Maps are data, not code: the built-in tables live in `ColormapTables` and a caller can build
/// another from any published table with `init(name:controlPoints:)`.
public struct Colormap: Hashable, Sendable {
    public let name: String
    /// Colours at positions 0, 1/(n−1), …, 1.
    public let controlPoints: [Color]
    /// True for maps meant to be read outward from a neutral centre (pair them with `.symmetric`).
    public let isDiverging: Bool

    /// - Throws: `PlotError.invalidArgument` with fewer than two control points.
    public init(name: String, controlPoints: [Color], isDiverging: Bool = false) throws {
        guard controlPoints.count >= 2 else {
            throw PlotError.invalidArgument(
                "colour map '\(name)' needs at least 2 control points, got \(controlPoints.count)")
        }
        self.init(uncheckedName: name, controlPoints: controlPoints, isDiverging: isDiverging)
    }

    private init(uncheckedName name: String, controlPoints: [Color], isDiverging: Bool) {
        self.name = name
        self.controlPoints = controlPoints
        self.isDiverging = isDiverging
    }

    private init(name: String, table: [UInt32], isDiverging: Bool = false) {
        self.init(uncheckedName: name, controlPoints: table.map { Color(hex: $0) },
                  isDiverging: isDiverging)
    }

    /// Perceptually uniform, dark blue-purple (low) to yellow (high); the default.
    public static let viridis = Colormap(name: "viridis", table: ColormapTables.viridis)
    /// Perceptually uniform, black (low) through red to pale yellow (high).
    public static let magma = Colormap(name: "magma", table: ColormapTables.magma)
    /// Perceptually uniform and readable with red-green colour-vision deficiency.
    public static let cividis = Colormap(name: "cividis", table: ColormapTables.cividis)
    /// Diverging red (low) – white (0 under `.symmetric`) – blue (high), as matplotlib's "RdBu".
    /// Use `.rdBu.reversed` for blue = negative, red = positive.
    public static let rdBu = Colormap(name: "RdBu", table: ColormapTables.rdBu, isDiverging: true)

    public static let builtIn: [Colormap] = [.viridis, .magma, .cividis, .rdBu]

    /// Looks a built-in map up by name, case-insensitively; a trailing "_r" reverses it.
    public static func named(_ name: String) -> Colormap? {
        let lower = name.lowercased()
        if lower.hasSuffix("_r") { return named(String(lower.dropLast(2)))?.reversed }
        return builtIn.first { $0.name.lowercased() == lower }
    }

    /// The same map run backwards, named with matplotlib's "_r" suffix.
    public var reversed: Colormap {
        let base = name.hasSuffix("_r") ? String(name.dropLast(2)) : name + "_r"
        return Colormap(uncheckedName: base, controlPoints: controlPoints.reversed(),
                        isDiverging: isDiverging)
    }

    /// The colour at `position` (clamped to 0...1; NaN gives the low end).
    public func color(at position: Double) -> Color {
        let t = position.isNaN ? 0 : min(max(position, 0), 1)
        let scaled = t * Double(controlPoints.count - 1)
        let lower = min(Int(scaled), controlPoints.count - 2)
        return controlPoints[lower].mixed(with: controlPoints[lower + 1],
                                          fraction: scaled - Double(lower))
    }

    /// A 1024-entry table of packed RGB pixels, so mapping millions of cells costs one lookup each.
    func lookupTable() -> [UInt32] {
        (0..<Self.lookupSize).map { color(at: Double($0) / Double(Self.lookupSize - 1)).packedRGB }
    }

    static let lookupSize = 1024
}

/// A list of distinct colours for categories (series, bar segments, box groups), cycled when
/// there are more categories than colours.
public struct CategoricalPalette: Hashable, Sendable {
    public let name: String
    public let colors: [Color]

    /// - Throws: `PlotError.invalidArgument` when `colors` is empty.
    public init(name: String, colors: [Color]) throws {
        guard !colors.isEmpty else {
            throw PlotError.invalidArgument("palette '\(name)' has no colours")
        }
        self.name = name
        self.colors = colors
    }

    private init(name: String, table: [UInt32]) {
        self.name = name
        self.colors = table.map { Color(hex: $0) }
    }

    public func color(_ index: Int) -> Color {
        colors[((index % colors.count) + colors.count) % colors.count]
    }

    /// Paul Tol's "bright" scheme: distinct for all common colour-vision deficiencies and on white;
    /// the default for lines, bars and boxes.
    public static let tolBright = CategoricalPalette(
        name: "tol-bright",
        table: [0x4477AA, 0xEE6677, 0x228833, 0xCCBB44, 0x66CCEE, 0xAA3377, 0xBBBBBB])

    /// Okabe & Ito (2008), with black moved to the end so the first colours are chromatic.
    public static let okabeIto = CategoricalPalette(
        name: "okabe-ito",
        table: [0xE69F00, 0x56B4E9, 0x009E73, 0xF0E442, 0x0072B2, 0xD55E00, 0xCC79A7, 0x000000])
}
