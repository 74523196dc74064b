import HymbaKit
import HymbaPlot

/// Turns T × T head maps into figures: one map, the attention and SSM maps of one head side by
/// side, or every head of a layer as small multiples on one colour scale per branch.
///
/// Rows are queries, columns keys. Meta tokens are labelled m0, m1, … and set apart from the
/// prompt by a separator line (`LeadingGroup`); cells the forward pass never computed — future
/// keys, keys outside a sliding window — are drawn in the hatched mask style, never as 0.
struct AttentionFigure {
    let sequence: TokenSequence
    let meta: MetaDisplay
    /// The prompt tokens shown (`--from`/`--to`).
    let tokens: Range<Int>
    let style: MapStyleOptions
    let naming: LayerTitle
    /// The user's `--title`: replaces the automatic one ("" removes it).
    let title: String?

    // MARK: Figures

    /// One map with its own title and colour bar.
    func single(_ map: HeadMap) throws -> Figure {
        var parts = [naming.layer(map.layer), "\(map.kind.name) \(map.indexLabel)"]
        if let detail = detail(map.kind, layer: map.layer) { parts[1] += " (\(detail))" }
        if let crop = cropNote { parts.append(crop) }
        let heatmap = try self.heatmap(map, title: title ?? parts.joined(separator: " · "))
        return Figure(panels: [.heatmap(heatmap)])
    }

    /// The attention map and the SSM implicit map of the same head, each with its own title and
    /// colour bar: attention's sharp, local "snapshot" beside the SSM's decaying "fading memory".
    func sideBySide(attention: HeadMap, ssm: HeadMap) throws -> Figure {
        let left = try heatmap(attention, title: panelTitle(attention.kind, layer: attention.layer))
        let right = try heatmap(ssm, title: panelTitle(ssm.kind, layer: ssm.layer))
        let automatic = [naming.layer(attention.layer), attention.indexLabel, cropNote].compactMap { $0 }.joined(separator: " · ")
        return Figure(columns: 2, title: title ?? automatic,
                      panels: [.heatmap(left), .heatmap(right)])
    }

    /// Every head of a layer: one block of thumbnails per branch (attention, SSM), each block on
    /// one shared colour scale with one colour bar, since probabilities and α are not comparable.
    ///
    /// - Parameter headCount: the layer's number of heads when known, to say "every head".
    func grid(_ branches: [[HeadMap]], headCount: Int? = nil) throws -> Figure {
        let blocks = branches.filter { !$0.isEmpty }
        guard let first = blocks.first?.first else { throw CLIError("nothing to draw: no maps") }
        let panels = try blocks.map { maps in
            Panel.smallMultiples(try smallMultiples(maps, title: panelTitle(maps[0].kind, layer: maps[0].layer)))
        }
        let indices = blocks[0].map(\.index)
        let every = first.kind != .ssmChannel && indices == Array(0..<indices.count) && (headCount ?? indices.count) == indices.count
        let noun = first.kind == .ssmChannel ? "channels" : "heads"
        let which = every ? "every head" : "\(noun) " + indices.map(String.init).joined(separator: ", ")
        let automatic = [naming.layer(first.layer), which, cropNote].compactMap { $0 }.joined(separator: " · ")
        let figure = Figure(columns: 1, title: title ?? automatic, panels: panels)
        return try Self.enlarged(figure, grids: panels.count, shape: GridShape(count: blocks[0].count),
                                 aspect: Double(rowAxis.positions.count) / Double(columnAxis.positions.count))
    }

    /// HymbaPlot sizes thumbnails for grids of many maps (at most 72 pt); a layer has few heads,
    /// and each map holds T × T cells, so its thumbnails get up to 120 pt while the whole figure
    /// stays about 480 pt wide.
    static func enlarged(_ figure: Figure, grids: Int, shape: GridShape, aspect: Double) throws -> Figure {
        let automatic = min(72, max(24, Legibility.maximumMapExtent / Double(max(shape.rows, shape.columns))))
        let wanted = max(automatic, min(120, Legibility.maximumMapExtent / Double(shape.columns)))
        guard wanted > automatic else { return figure }
        let size = try figure.resolvedSize()
        var larger = figure
        larger.width = (size.width + Double(shape.columns) * (wanted - automatic)).rounded(.up)
        larger.height = (size.height + Double(grids * shape.rows) * (wanted - automatic) * aspect).rounded(.up)
        return larger
    }

    // MARK: Panels

    /// "tokens 12–47" when `--from`/`--to` show part of the prompt, "meta keys hidden" when
    /// `--meta none` drops the meta columns: either way the drawn rows do not sum to 1 (the meta
    /// tokens often hold a fifth of a row's mass, the BOS row's nearly all), and the reader must know.
    private var cropNote: String? {
        var notes: [String] = []
        if tokens.count != sequence.tokens.count { notes.append("tokens \(tokens.lowerBound)–\(tokens.upperBound - 1)") }
        if !meta.showsMetaColumns && sequence.metaCount > 0 { notes.append("meta keys hidden") }
        return notes.isEmpty ? nil : notes.joined(separator: ", ")
    }

    /// "sliding window 64" for attention maps (whose mask it explains), "implicit attention" for SSM maps.
    private func detail(_ kind: HeadMap.Kind, layer: Int) -> String? {
        kind == .attention ? naming.attentionKind(layer) : "implicit attention"
    }

    private func panelTitle(_ kind: HeadMap.Kind, layer: Int) -> String {
        detail(kind, layer: layer).map { "\(kind.name) (\($0))" } ?? kind.name
    }

    private func quantity(_ kind: HeadMap.Kind) -> MapStyle.Quantity {
        kind == .attention ? .probability : .implicitAttention
    }

    private var rowAxis: TokenAxis { sequence.axis(includingMeta: meta.showsMetaRows, tokens: tokens) }
    private var columnAxis: TokenAxis { sequence.axis(includingMeta: meta.showsMetaColumns, tokens: tokens) }

    /// The shown part of `map`, as drawn, and its mask (true = never computed).
    private func cells(_ map: HeadMap, style: MapStyle) -> (values: [Double], mask: [Bool]) {
        let rows = rowAxis.positions, cols = columnAxis.positions
        var values: [Double] = [], mask: [Bool] = []
        values.reserveCapacity(rows.count * cols.count)
        mask.reserveCapacity(rows.count * cols.count)
        for query in rows {
            for key in cols {
                values.append(style.drawn(map.value(query: query, key: key)))
                mask.append(!map.visibility.isVisible(query: query, key: key))
            }
        }
        return (values, mask)
    }

    private var metaGroup: LeadingGroup? {
        let rows = rowAxis.metaCount, cols = columnAxis.metaCount
        return rows > 0 || cols > 0 ? LeadingGroup(rows: rows, cols: cols, label: "meta") : nil
    }

    /// The colour options for maps whose drawn cells are `drawn`: without `--vmax`, and with
    /// the meta query rows drawn, the top of the scale comes from the prompt's rows. Meta rows are
    /// the same for every prompt and peak at m0 → m0 = 1 (m0 sees only itself), which would leave
    /// every prompt row in the bottom colours; the meta cells above the top are drawn in the top
    /// colour and the colour bar shows a triangle for them.
    private func options(forDrawn drawn: [(values: [Double], mask: [Bool])]) -> MapStyleOptions {
        var options = style
        let metaRows = rowAxis.metaCount, width = columnAxis.positions.count
        guard options.vmax == nil, metaRows > 0, rowAxis.positions.count > metaRows else { return options }
        var top = 0.0
        for (values, mask) in drawn {
            for i in (metaRows * width)..<values.count where !mask[i] && values[i].isFinite {
                top = max(top, abs(values[i]))
            }
        }
        if top > 0 { options.vmax = top }
        return options
    }

    func heatmap(_ map: HeadMap, title: String) throws -> Heatmap {
        // The drawn values (|α| with --abs) do not depend on the scale; the scale depends on them.
        let (values, mask) = cells(map, style: try MapStyle(quantity(map.kind), options: self.style))
        let style = try MapStyle(quantity(map.kind), options: options(forDrawn: [(values, mask)]))
        let rows = rowAxis, cols = columnAxis
        var heatmap = try Heatmap(values: values, rows: rows.positions.count, cols: cols.positions.count,
                                  rowLabels: rows.labels, colLabels: cols.labels, mask: mask,
                                  colormap: style.colormap, norm: style.norm, title: title,
                                  xLabel: "key", yLabel: "query", colorBarLabel: style.colorBarLabel)
        heatmap.leadingGroup = metaGroup
        return heatmap
    }

    func smallMultiples(_ maps: [HeadMap], title: String?) throws -> SmallMultiples {
        let plain = try MapStyle(quantity(maps[0].kind), options: self.style)
        let drawn = maps.map { cells($0, style: plain) }
        let style = try MapStyle(quantity(maps[0].kind), options: options(forDrawn: drawn))
        let shape = GridShape(count: maps.count)
        let names = maps.map { $0.kind == .ssmChannel ? "c\($0.index)" : "h\($0.index)" }
        var rowTitles: [String]?, colTitles: [String]? = names
        if shape.rows > 1 {
            // Wrapped: rows say which heads they hold ("h5–h9"), columns the offset in the row.
            rowTitles = (0..<shape.rows).map { r in
                let first = r * shape.columns, last = min(maps.count, first + shape.columns) - 1
                return first == last ? names[first] : "\(names[first])–\(names[last])"
            }
            let consecutive = zip(maps, maps.dropFirst()).allSatisfy { $1.index == $0.index + 1 }
            colTitles = consecutive ? (0..<shape.columns).map { "+\($0)" } : nil
        }
        var grid = try SmallMultiples(
            maps: drawn.map(\.values), mapRows: rowAxis.positions.count, mapCols: columnAxis.positions.count,
            gridRows: shape.rows, gridCols: shape.columns, mask: drawn[0].mask,
            rowTitles: rowTitles, colTitles: colTitles,
            colormap: style.colormap, norm: style.norm, title: title, colorBarLabel: style.compactLabel)
        grid.leadingGroup = metaGroup
        grid.alignsLeft = true
        return grid
    }
}

/// Thumbnails in one row up to 8, else a near-square block filled row by row.
struct GridShape: Equatable {
    let rows: Int
    let columns: Int

    init(count: Int) {
        if count <= 8 {
            (rows, columns) = (1, max(1, count))
        } else {
            let columns = Int(Double(count).squareRoot().rounded(.up))
            (rows, self.columns) = ((count + columns - 1) / columns, columns)
        }
    }
}
