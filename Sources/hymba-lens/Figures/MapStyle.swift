import HymbaPlot

/// What the user asked for about colours, before it meets the numbers of a particular map.
struct MapStyleOptions {
    var colormap: Colormap?
    var norm: NormChoice = .linear
    var gamma = 0.5
    var vmax: Double?
    /// Draw signed SSM maps as |α|.
    var absolute = false
}

/// How the numbers of one map become colours, and what the colour bar says they are.
///
/// Probabilities and |α| use a sequential map starting at 0 (so equal colours mean equal values
/// across figures with the same `--vmax`); other non-negative numbers span their data. Signed numbers — the SSM
/// implicit attention α, hidden states — use a diverging map centred on 0 with a symmetric
/// linear scale: a log or power scale has no meaning for them.
struct MapStyle {
    let colormap: Colormap
    let norm: Norm
    let colorBarLabel: String
    /// For the short colour bar beside a row of thumbnails, where the panel title says the rest.
    let compactLabel: String
    /// Whether values are replaced by their magnitude before drawing.
    let absolute: Bool

    /// What the values of a map are.
    enum Quantity {
        /// Attention probabilities, in 0...1.
        case probability
        /// The SSM heads' implicit attention α, any sign.
        case implicitAttention
        /// Anything else, described by `label` (e.g. "hidden state"); `fromZero` for shares and
        /// masses, whose 0 means something.
        case values(label: String, signed: Bool, fromZero: Bool = false)
    }

    /// - Throws: `CLIError` when a log or power scale is asked for signed values.
    init(_ quantity: Quantity, options: MapStyleOptions) throws {
        let signed: Bool, label: String, compact: String
        // Probabilities and magnitudes start at 0; other numbers span their data, as matplotlib's.
        var lower: Double? = 0
        switch quantity {
        case .probability:
            (signed, label, compact, absolute) = (false, "attention probability", "probability", false)
        case .implicitAttention:
            (signed, label, compact, absolute) = options.absolute
                ? (false, "|implicit attention α|", "|α|", true)
                : (true, "implicit attention α", "α", false)
        case .values(let name, let hasNegatives, let fromZero):
            (signed, label, compact, absolute) = (hasNegatives, name, name, false)
            lower = fromZero ? 0 : nil
        }
        // A power scale bends the ramp; say so where the numbers are read.
        let scale = !signed && options.norm == .power ? " (γ = \(Self.format(options.gamma)))" : ""
        colorBarLabel = label + scale
        compactLabel = compact + scale
        if signed {
            guard options.norm == .linear else {
                let hint = { if case .implicitAttention = quantity { return "add --abs to draw |α|, or use --norm linear" }
                             return "use --norm linear" }()
                throw CLIError("--norm \(options.norm.rawValue) cannot draw signed values (\(label) has negative entries): \(hint)")
            }
            colormap = options.colormap ?? Colormap.rdBu.reversed
            norm = .symmetric(limit: options.vmax)
        } else {
            colormap = options.colormap ?? .viridis
            switch options.norm {
            case .linear: norm = .linear(min: lower, max: options.vmax)
            case .log: norm = .log(min: nil, max: options.vmax)
            case .power: norm = .power(gamma: options.gamma, min: lower, max: options.vmax)
            }
        }
    }

    /// 0.5 → "0.5", 2 → "2".
    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// The value as drawn.
    func drawn(_ value: Float) -> Double { absolute ? Double(Swift.abs(value)) : Double(value) }
}
