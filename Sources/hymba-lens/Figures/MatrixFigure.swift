import HymbaKit
import HymbaPlot

/// A 2-D recorded tensor — hidden states, SSM internals, per-head norms, meta attention
/// received — as one heatmap.
///
/// When the first axis is the sequence, rows are token-labelled positions (meta first, set
/// apart, `--meta` and `--from`/`--to` apply); columns are labelled by what they index. Signed
/// tensors get a diverging map centred on 0, non-negative ones a sequential map over their range.
struct MatrixFigure {
    let key: RecordingKey
    let tensor: Tensor
    let sequence: TokenSequence
    let meta: MetaDisplay
    let tokens: Range<Int>
    let style: MapStyleOptions
    let naming: LayerTitle
    let title: String?

    /// Matrices longer than this many times their width (or the reverse) are drawn with
    /// stretched cells in a fixed frame; square cells would make a sliver.
    static let maximumSquareAspect = 4.0

    func figure() throws -> Figure {
        let rowCount = tensor.shape[0], colCount = tensor.shape[1]
        let floats = tensor.floats
        let rows = rowSelection(rowCount)
        var values: [Double] = []
        values.reserveCapacity(rows.indices.count * colCount)
        for r in rows.indices { values += floats[(r * colCount)..<((r + 1) * colCount)].map(Double.init) }
        let signed = values.contains { $0 < 0 }
        let mapStyle = try MapStyle(.values(label: quantityName, signed: signed, fromZero: key.point == .metaAttnReceived),
                                    options: style)
        let (rowName, columnName) = axisNames
        var heatmap = try Heatmap(values: values, rows: rows.indices.count, cols: colCount,
                                  rowLabels: rows.labels, colLabels: columnLabels(colCount),
                                  colormap: mapStyle.colormap, norm: mapStyle.norm,
                                  title: title ?? automaticTitle, xLabel: columnName, yLabel: rowName,
                                  colorBarLabel: mapStyle.colorBarLabel)
        if rows.metaCount > 0 { heatmap.leadingGroup = LeadingGroup(rows: rows.metaCount, cols: 0, label: "meta") }
        let aspect = Double(max(rows.indices.count, colCount)) / Double(min(rows.indices.count, colCount))
        guard aspect > Self.maximumSquareAspect else { return Figure(panels: [.heatmap(heatmap)]) }
        heatmap.squareCells = false
        let width = min(620, max(360, 240 + 24 * Double(colCount)))
        let height = min(560, max(300, 120 + 9 * Double(rows.indices.count)))
        return Figure(width: width, height: height, panels: [.heatmap(heatmap)])
    }

    private var automaticTitle: String {
        let point = key.point.map { "\($0.rawValue) \($0.shapeDescription)" } ?? key.name
        return key.layer.map { "\(naming.layer($0)) · \(point)" } ?? point
    }

    /// Which rows to draw (indices into the tensor), their labels, and how many are meta.
    private func rowSelection(_ count: Int) -> (indices: [Int], labels: [String]?, metaCount: Int) {
        if count == sequence.positionCount && key.point != nil && key.point != .ssmFinalState && key.point != .metaAttnReceived {
            let axis = sequence.axis(includingMeta: meta.showsMetaRows, tokens: tokens)
            return (axis.positions, axis.labels, axis.metaCount)
        }
        if key.point == nil && count == sequence.tokens.count {          // logits: one row per prompt token
            return (Array(tokens), tokens.map { sequence.tokens[$0] }, 0)
        }
        if key.point == .metaAttnReceived { return (Array(0..<count), (0..<count).map { "h\($0)" }, 0) }
        return (Array(0..<count), nil, 0)
    }

    private func columnLabels(_ count: Int) -> [String]? {
        switch key.point {
        case .attnHeadNorm, .ssmHeadNorm: return (0..<count).map { "h\($0)" }
        case .branchRMS where count == 4: return ["attn", "ssm", "attn (normed)", "ssm (normed)"]
        case .metaAttnReceived: return (0..<count).map(TokenSequence.metaLabel)
        default: return nil
        }
    }

    /// What the numbers are, for the colour bar (the title carries the key itself).
    private var quantityName: String {
        switch key.point {
        case .hidden: return "hidden state"
        case .attnOut: return "attention output"
        case .ssmOut: return "SSM output"
        case .ssmStateNorm: return "‖h_t‖₂ per channel"
        case .ssmFinalState: return "SSM state h_T"
        case .ssmX: return "scan input u"
        case .ssmDt: return "Δ"
        case .ssmB: return "B"
        case .ssmC: return "C"
        case .ssmGate: return "gate z"
        case .attnHeadNorm: return "‖attention head output‖₂"
        case .ssmHeadNorm: return "‖SSM head output‖₂"
        case .branchRMS: return "RMS"
        case .metaAttnReceived: return "attention received (mean over prompt queries)"
        default: return key.name == "logits" ? "logit" : key.name
        }
    }

    /// (row axis, column axis) names in the dimension legend's words.
    private var axisNames: (String, String) {
        switch key.point {
        case .hidden: return ("position", "hidden unit (D)")
        case .attnOut: return ("position", "attention output (H·dv)")
        case .ssmOut, .ssmStateNorm, .ssmX, .ssmDt, .ssmGate: return ("position", "SSM channel (E)")
        case .ssmB, .ssmC: return ("position", "state (N)")
        case .ssmFinalState: return ("SSM channel (E)", "state (N)")
        case .attnHeadNorm, .ssmHeadNorm: return ("position", "head")
        case .branchRMS: return ("position", "branch")
        case .metaAttnReceived: return ("head", "meta token")
        default: return key.name == "logits" ? ("token", "vocabulary id") : ("row", "column")
        }
    }
}
