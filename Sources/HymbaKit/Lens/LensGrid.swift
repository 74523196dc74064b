import Foundation

/// The logit lens over layers × prompt positions: what each layer's residual stream would
/// predict next, read at the positions asked for.
///
/// ```
/// cell(i, t) = LogitLens(layers.{i}.hidden[M + t])      i ∈ layers, t ∈ positions (prompt tokens)
/// ```
/// Only `layers.count × positions.count` rows go through the LM head, and each keeps its top-k and
/// its target's log-probability and rank — never a `vocab`-wide row.
public struct LensGrid: Sendable {
    /// Model layers, in the order of `cells`.
    public let layers: [Int]
    /// Prompt token indices (0 = the first real token, after the meta tokens).
    public let positions: [Int]
    /// One target id (or nil) per position.
    public let targets: [Int?]
    /// `cells[l][p]`: the lens of `layers[l]` at `positions[p]`.
    public let cells: [[LensReadout]]

    /// Reads the lens from residual streams already recorded.
    ///
    /// - Parameters:
    ///   - hidden: `layers.{i}.hidden`, `[T, D]` with the `metaCount` meta rows first, for every
    ///     layer in `layers`.
    ///   - targets: nil, or one target (or nil) per position.
    /// - Throws: `LensError` for a position, target or layer the residuals do not hold.
    public init(lens: LogitLens, hidden: [Int: Matrix], metaCount: Int, layers: [Int], positions: [Int],
                targets: [Int?]? = nil, topK: Int) throws {
        self.layers = layers
        self.positions = positions
        self.targets = targets ?? positions.map { _ in nil }
        cells = try layers.map { layer in
            guard let residual = hidden[layer] else { throw LensError.missingLayer(layer) }
            return try lens.readouts(of: residual, rows: positions.map { metaCount + $0 }, targets: targets, topK: topK)
        }
    }

    /// Runs the prompt once, recording only `hidden` at `layers`, and reads the lens.
    public static func record(model: HymbaModel, ids: [Int], layers: [Int], positions: [Int],
                              targets: [Int?]? = nil, topK: Int) throws -> LensGrid {
        try model.validate(ids: ids)
        guard !layers.isEmpty else { throw LensError.emptySelection("layers") }
        guard !positions.isEmpty else { throw LensError.emptySelection("positions") }
        for layer in layers where !(0..<model.config.hiddenLayers).contains(layer) {
            throw LensError.layerOutOfRange(layer: layer, layers: model.config.hiddenLayers)
        }
        for position in positions where !(0..<ids.count).contains(position) {
            throw LensError.rowOutOfRange(row: position, rows: ids.count)
        }
        let plan = try RecordingPlan("hidden@" + layers.map(String.init).joined(separator: ","), config: model.config)
        let recorder = model.makeRecorder(plan: plan)
        _ = try model.forward(ids: ids, recorder: recorder, logitRows: .last)
        var hidden: [Int: Matrix] = [:]
        for (name, tensor) in recorder.tensors {
            for layer in layers where name == HookPoint.hidden.key(layer: layer) { hidden[layer] = tensor.matrix }
        }
        return try LensGrid(lens: LogitLens(model: model), hidden: hidden, metaCount: model.config.memoryTokens,
                            layers: layers, positions: positions, targets: targets, topK: topK)
    }

    /// The next prompt token as the target of each position (nil for the last token).
    public static func nextTokens(of ids: [Int], at positions: [Int]) -> [Int?] {
        positions.map { $0 + 1 < ids.count ? ids[$0 + 1] : nil }
    }
}
