import Foundation
import HymbaKit

/// Everything a viewer page shows, already in the page's compact form.
///
/// Rows are the `n` real-token queries `t = M + i`; each row holds the keys it can see in
/// causal order, the `M` meta keys first, then the prompt keys `0 … i`:
/// ```
/// attention[h][i] = p_h[M + i, 0 … M + i]                       (M + i + 1 weights)
/// ssm[h][i]       = α_h[M + i, u] / Σ_u |α_h[M + i, u]|         (signed; |·| sums to 1)
/// ssmRowScale[h][i] = Σ_u |α_h[M + i, u]|                       (so α = ssm · scale)
/// meta share      = Σ_{u < M} of the row (|·| for the SSM)
/// ```
/// heads one after the other, rows one after the other (`WeightCode` 16-bit codes). Keys a
/// sliding window hides are stored as their recorded 0; the page marks them from `window`.
public struct ViewerData: Sendable {
    public struct Layer: Sendable {
        public var index: Int
        /// "global", "sliding window 64", with ", K/V of layer 1" for K/V consumers.
        public var kind: String
        /// Sliding window W (row t sees keys t − W … t plus the meta keys); nil for global layers.
        public var window: Int?
        public var attention: [Int16]
        public var ssm: [Int16]
        public var ssmRowScale: [Float]
        public var attentionMetaShare: [Int16]
        public var ssmMetaShare: [Int16]
    }

    /// The lens after each shown layer at every prompt position, following the next token.
    public struct Lens: Sendable {
        public var grid: LensGrid
        /// Vocabulary pieces of every id the grid names (empty without a tokenizer).
        public var pieces: [Int: String]
    }

    public var title: String
    public var modelName: String
    public var metaCount: Int
    public var heads: Int
    public var ids: [Int]
    /// One piece per prompt token ("▁The", "<0x0A>"), or the ids as text without a tokenizer.
    public var tokens: [String]
    /// false when `tokens` are ids written out (the page then spaces them apart).
    public var tokensArePieces: Bool
    public var layers: [Layer]
    public var lens: Lens

    /// Builds the page's data from one forward pass's tensors.
    ///
    /// - Parameter tensors: `layers.{i}.attn_probs` and `layers.{i}.ssm_attn` (`[H, T, T]`, every
    ///   head) and `layers.{i}.hidden` for each of `layers`.
    public init(title: String, modelName: String, config: HymbaConfig, ids: [Int], tokens: [String],
                tokensArePieces: Bool = true, layers: [Int], tensors: [String: Tensor], lens: LogitLens, pieces: (Int) -> String?) throws {
        let m = config.memoryTokens, n = ids.count, h = config.attentionHeads, t = m + n
        self.title = title
        self.modelName = modelName
        metaCount = m
        heads = h
        self.ids = ids
        self.tokens = tokens
        self.tokensArePieces = tokensArePieces
        var built: [Layer] = []
        var hidden: [Int: Matrix] = [:]
        for layer in layers {
            func tensor(_ point: HookPoint) throws -> Tensor {
                let key = point.key(layer: layer)
                guard let tensor = tensors[key], tensor.shape == (point == .hidden ? [t, config.hiddenSize] : [h, t, t]) else {
                    throw ViewerError.missingTensor(key)
                }
                return tensor
            }
            let attention = try tensor(.attnProbs).floats, ssm = try tensor(.ssmAttn).floats
            hidden[layer] = try tensor(.hidden).matrix
            var entry = Layer(index: layer, kind: Self.kind(config, layer: layer),
                              window: config.isGlobal(layer: layer) ? nil : config.slidingWindow,
                              attention: [], ssm: [], ssmRowScale: [], attentionMetaShare: [], ssmMetaShare: [])
            let perMap = ViewerSize.weightsPerMap(tokens: n, metaCount: m)
            entry.attention.reserveCapacity(h * perMap)
            entry.ssm.reserveCapacity(h * perMap)
            for head in 0..<h {
                for i in 0..<n {
                    let row = (head * t + m + i) * t, visible = m + i + 1
                    var meta = 0.0
                    for u in 0..<visible {
                        let p = Double(attention[row + u])
                        entry.attention.append(WeightCode.encode(p))
                        if u < m { meta += p }
                    }
                    entry.attentionMetaShare.append(WeightCode.encode(meta))
                    var total = 0.0, metaMagnitude = 0.0
                    for u in 0..<visible {
                        let magnitude = abs(Double(ssm[row + u]))
                        total += magnitude
                        if u < m { metaMagnitude += magnitude }
                    }
                    for u in 0..<visible { entry.ssm.append(WeightCode.encode(total > 0 ? Double(ssm[row + u]) / total : 0)) }
                    entry.ssmRowScale.append(Float(total))
                    entry.ssmMetaShare.append(WeightCode.encode(total > 0 ? metaMagnitude / total : 0))
                }
            }
            built.append(entry)
        }
        self.layers = built
        let positions = Array(0..<n)
        let grid = try LensGrid(lens: lens, hidden: hidden, metaCount: m, layers: layers, positions: positions,
                                targets: LensGrid.nextTokens(of: ids, at: positions), topK: Self.lensTopK)
        var named: [Int: String] = [:]
        for row in grid.cells {
            for cell in row {
                for id in cell.top.map(\.id) + (cell.target.map { [$0.id] } ?? []) { named[id] = pieces(id) }
            }
        }
        self.lens = Lens(grid: grid, pieces: named)
    }

    /// Tokens listed per lens cell when hovered.
    public static let lensTopK = 5

    static func kind(_ config: HymbaConfig, layer: Int) -> String {
        var kind = config.isGlobal(layer: layer) ? "global" : config.slidingWindow.map { "sliding window \($0)" } ?? "global"
        if case .consumer(let producer) = config.kvRole(layer: layer) { kind += ", K/V of layer \(producer)" }
        return kind
    }
}
