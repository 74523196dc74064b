import Foundation
import HymbaKit
import HymbaPlot

/// One self-contained HTML page: the style sheet, the data (JSON in a
/// `<script type="application/json">`, maps as base64 16-bit codes) and the script inline, so it
/// opens from disk with no network, no CDN and no other file.
public struct ViewerPage {
    public let data: ViewerData

    public init(data: ViewerData) { self.data = data }

    public func html() throws -> String {
        let payload = try ViewerPayload(data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // "<" only occurs inside JSON strings, where \u003c is the same character: the data can
        // then never close its script element.
        let json = String(decoding: try encoder.encode(payload), as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
        let title = Self.escape(data.title)
        let m = data.metaCount, n = data.ids.count
        let subtitle = "\(n) prompt tokens after \(m) meta tokens · \(data.layers.count) of the model's layers · \(data.heads) attention heads ‖ \(data.heads) SSM heads per layer"
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="hymba-lens \(Self.escape(HymbaKitInfo.version))">
        <link rel="icon" href="data:,">
        <title>HymbaLens · \(title)</title>
        <style>
        \(ViewerStyle.css)
        </style>
        </head>
        <body>
        <header>
        <h1>\(title)</h1>
        <p>\(Self.escape(subtitle))</p>
        </header>
        <div role="tablist" aria-label="View">
        <button role="tab" id="tab-attention" aria-controls="panel-attention" aria-selected="true">Attention and SSM</button>
        <button role="tab" id="tab-lens" aria-controls="panel-lens" aria-selected="false" tabindex="-1">Logit lens</button>
        </div>
        <main>
        <section role="tabpanel" id="panel-attention" aria-labelledby="tab-attention">
        <div class="controls">
        <label for="layer">Layer <select id="layer"></select></label>
        <label for="head">Head <select id="head"></select></label>
        <div class="modes" role="radiogroup" aria-label="Map">
        <button role="radio" data-mode="attention" aria-checked="true">Attention</button>
        <button role="radio" data-mode="ssm" aria-checked="false">SSM |α|</button>
        <button role="radio" data-mode="difference" aria-checked="false">Attention − SSM</button>
        </div>
        <label><input type="checkbox" id="expand-meta"> meta tokens one by one</label>
        <label><input type="checkbox" id="sqrt-scale"> √ shading</label>
        <span class="keys"><kbd>←</kbd><kbd>→</kbd> query · <kbd>j</kbd><kbd>k</kbd> layer · <kbd>h</kbd><kbd>l</kbd> head · <kbd>1</kbd><kbd>2</kbd><kbd>3</kbd> map · <kbd>m</kbd> meta · click pins, <kbd>Esc</kbd> unpins</span>
        </div>
        <div class="layout">
        <div class="text-view">
        <h2 id="text-title">Where the query looks</h2>
        <div id="tokens" role="group" aria-labelledby="text-title"></div>
        <div class="readout" id="readout" aria-live="polite"></div>
        <div class="legend" id="text-legend"></div>
        </div>
        <div class="map-view">
        <h2 id="map-title">Map</h2>
        <div class="map-wrap"><canvas id="map" role="img" aria-label="heatmap of the selected head"></canvas><div id="map-tip" hidden></div></div>
        <div class="colorbar"><span id="bar-low"></span><span class="ramp" id="ramp"></span><span id="bar-high"></span></div>
        <div class="legend" id="map-legend"></div>
        </div>
        </div>
        </section>
        <section role="tabpanel" id="panel-lens" aria-labelledby="tab-lens" hidden>
        <p class="note">After each layer, the residual stream read through the final RMSNorm and the LM head (the logit lens): each cell is the most likely next token, shaded by its probability (viridis, 0 to 1); underlined where it is the prompt's actual next token. Hover or focus a cell for its top \(ViewerData.lensTopK) and the next token's rank.</p>
        <div class="lens-wrap"><table class="lens" id="lens"></table></div>
        <div class="readout" id="lens-readout" aria-live="polite"></div>
        </section>
        </main>
        <footer class="note">
        <p><b>Attention</b>: softmax probabilities p[t, u] of the attention head. <b>SSM |α|</b>: the SSM head's implicit attention α[t, u] (its scan unrolled, mean over the head's channels), shown as |α[t, u]| / Σ<sub>u</sub> |α[t, u]| so each row sums to 1 like attention; hover shows the signed α. <b>Attention − SSM</b>: p minus that share (red: attention reads the key more, blue: the SSM does). Rows are the prompt's tokens as queries; keys are the \(m) meta tokens (one column, their sum, unless shown one by one) and the prompt up to the query. Grey: keys the query cannot see (later tokens; on sliding-window layers, prompt keys more than W back).</p>
        <p><b>Precision</b>: weights are stored as 16-bit integers q = round(w · 32767), so a stored weight is within 1.6·10⁻⁵ of the recorded float32 value; the page shows 4 decimals. Lens probabilities are stored with 4 decimals, log-probabilities with 3. Definitions: docs/methods.md of HymbaLens.</p>
        </footer>
        <script id="hymba-view-data" type="application/json">\(json)</script>
        <script>
        \(ViewerScript.javascript)
        </script>
        </body>
        </html>

        """
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}

/// The JSON the page's script reads (`#hymba-view-data`); `docs/methods.md` describes it.
struct ViewerPayload: Encodable {
    struct Code: Encodable {
        let scale = WeightCode.scale
        let maximumError = WeightCode.maximumError
    }

    struct Layer: Encodable {
        let index: Int
        let kind: String
        let window: Int?
        let attention: String
        let ssm: String
        let ssmRowScale: String
        let attentionMeta: String
        let ssmMeta: String
    }

    struct Lens: Encodable {
        let layers: [Int]
        let topK: Int
        /// Per layer, `n × topK` ids and probabilities (4 decimals), best first.
        let ids: [[Int]]
        let probabilities: [[Double]]
        /// The next prompt token of each position (nil for the last).
        let targets: [Int?]
        /// Per layer and position: the next token's rank and log-probability (3 decimals).
        let targetRanks: [[Int?]]
        let targetLogProbabilities: [[Double?]]
        /// Vocabulary pieces of the ids above, by id.
        let pieces: [String: String]
    }

    let format = "hymba-lens view 1"
    let title: String
    let model: String
    let metaCount: Int
    let heads: Int
    let ids: [Int]
    let tokens: [String]
    /// "pieces" (vocabulary pieces such as ▁The) or "ids" (no tokenizer: the ids written out).
    let tokenKind: String
    let code = Code()
    let layers: [Layer]
    let lens: Lens
    /// 256 colours each, "#rrggbb": the figures' own maps, so the page and the figures agree.
    let colormaps: [String: [String]]

    init(_ data: ViewerData) throws {
        title = data.title
        model = data.modelName
        metaCount = data.metaCount
        heads = data.heads
        ids = data.ids
        tokens = data.tokens
        tokenKind = data.tokensArePieces ? "pieces" : "ids"
        layers = data.layers.map {
            Layer(index: $0.index, kind: $0.kind, window: $0.window,
                  attention: WeightCode.base64($0.attention), ssm: WeightCode.base64($0.ssm),
                  ssmRowScale: WeightCode.base64($0.ssmRowScale),
                  attentionMeta: WeightCode.base64($0.attentionMetaShare), ssmMeta: WeightCode.base64($0.ssmMetaShare))
        }
        let grid = data.lens.grid
        func rounded(_ value: Double, _ digits: Double) -> Double { (value * digits).rounded() / digits }
        lens = Lens(layers: grid.layers, topK: ViewerData.lensTopK,
                    ids: grid.cells.map { $0.flatMap { $0.top.map(\.id) } },
                    probabilities: grid.cells.map { $0.flatMap { $0.top.map { rounded($0.probability, 1e4) } } },
                    targets: grid.targets,
                    targetRanks: grid.cells.map { $0.map { $0.target?.rank } },
                    targetLogProbabilities: grid.cells.map { $0.map { $0.target.map { rounded($0.logProbability, 1e3) } } },
                    pieces: Dictionary(uniqueKeysWithValues: data.lens.pieces.map { (String($0.key), $0.value) }))
        func table(_ map: Colormap) -> [String] { (0..<256).map { map.color(at: Double($0) / 255).description.lowercased() } }
        colormaps = ["viridis": table(.viridis), "diverging": table(Colormap.rdBu.reversed)]
    }
}
