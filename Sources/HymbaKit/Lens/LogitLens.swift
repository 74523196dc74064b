import Foundation

/// The logit lens: a residual-stream row read through the model's own output head, as if the
/// layers after it were skipped.
///
/// ```
/// lens_i[t] = RMSNorm_final(h_i[t]) · W_Uᵀ          (vocab)     h_i = layers.{i}.hidden, real rows
/// log p_i[t, v] = lens_i[t, v] − logsumexp_u lens_i[t, u]
/// rank_i[t](v) = 1 + #{u : lens_i[t, u] > lens_i[t, v]}
/// ```
/// `W_U` is the LM head (the embedding when tied). After the last layer the lens is the model's
/// own readout, so `lens_{L−1}` equals `logits`.
///
/// Rows stream through a scratch block of `chunkRows × vocab` floats: asking for `r` rows keeps
/// `O(r · k)` results, never an `r × vocab` matrix — what the `lens` figure and the viewer need
/// at long context. `logits(of:rows:)` gives the full rows for callers that record them (the
/// `layers.{i}.logit_lens` hook point).
public struct LogitLens: Sendable {
    /// `(D)` weight of the final RMSNorm.
    let finalNorm: [Float]
    /// `(vocab, D)`: the LM head.
    let unembedding: Matrix
    let eps: Float

    /// Rows read per sgemm: 32 rows of Hymba's 32 001 logits are 4 MB of scratch.
    public static let defaultChunkRows = 32

    public init(model: HymbaModel) {
        self.init(weights: model.weights, config: model.config)
    }

    /// From the parts a `Recorder` holds, so a hook point can read the lens while the model runs.
    public init(weights: HymbaWeights, config: HymbaConfig) {
        finalNorm = weights.finalNorm
        unembedding = weights.lmHead
        eps = config.rmsNormEps
    }

    public var vocabularySize: Int { unembedding.rows }
    public var width: Int { unembedding.cols }

    /// The lens logits `RMSNorm_final(residual[r]) · W_Uᵀ` of `rows`, `(rows.count, vocab)`.
    ///
    /// - Parameter residual: `(·, D)` rows of the residual stream, e.g. a `layers.{i}.hidden`
    ///   recording (meta rows first: the real tokens are rows `M…`).
    public func logits(of residual: Matrix, rows: Range<Int>) -> Matrix {
        precondition(residual.cols == width, "logit lens: residual width \(residual.cols) ≠ model width \(width)")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= residual.rows, "logit lens: rows \(rows) outside \(residual.rows)")
        return BLAS.linear(rmsNorm(residual.rows(rows), weight: finalNorm, eps: eps), unembedding)
    }

    /// What the lens says at each of `rows`: the `topK` most likely tokens and, where a target is
    /// given, that token's log-probability and rank.
    ///
    /// - Parameters:
    ///   - residual: `(·, D)` rows of the residual stream.
    ///   - rows: row indices into `residual`, in the order the readouts are returned.
    ///   - targets: nil, or one target id (or nil) per entry of `rows`.
    ///   - topK: tokens kept per row (0 keeps none; capped at the vocabulary).
    ///   - chunkRows: rows per sgemm; the scratch is `chunkRows × vocab` floats.
    /// - Throws: `LensError` for a row, target or count outside its range.
    public func readouts(of residual: Matrix, rows: [Int], targets: [Int?]? = nil, topK: Int,
                         chunkRows: Int = defaultChunkRows) throws -> [LensReadout] {
        guard residual.cols == width else { throw LensError.widthMismatch(residual: residual.cols, model: width) }
        guard topK >= 0 else { throw LensError.negativeTopK(topK) }
        guard chunkRows >= 1 else { throw LensError.invalidChunk(chunkRows) }
        if let targets, targets.count != rows.count {
            throw LensError.targetCountMismatch(rows: rows.count, targets: targets.count)
        }
        for row in rows where !(0..<residual.rows).contains(row) {
            throw LensError.rowOutOfRange(row: row, rows: residual.rows)
        }
        for case let target? in targets ?? [] where !(0..<vocabularySize).contains(target) {
            throw LensError.targetOutOfRange(id: target, vocabularySize: vocabularySize)
        }
        let k = min(topK, vocabularySize), vocab = vocabularySize, d = width
        var out: [LensReadout] = []
        out.reserveCapacity(rows.count)
        var block = Matrix(rows: min(chunkRows, max(1, rows.count)), cols: d)
        for start in stride(from: 0, to: rows.count, by: chunkRows) {
            let chunk = Array(rows[start..<min(rows.count, start + chunkRows)])
            if block.rows != chunk.count { block = Matrix(rows: chunk.count, cols: d) }
            block.storage.withUnsafeMutableBufferPointer { dst in
                residual.storage.withUnsafeBufferPointer { src in
                    for (slot, row) in chunk.enumerated() {
                        (dst.baseAddress! + slot * d).update(from: src.baseAddress! + row * d, count: d)
                    }
                }
            }
            let logits = BLAS.linear(rmsNorm(block, weight: finalNorm, eps: eps), unembedding)
            logits.storage.withUnsafeBufferPointer { all in
                for slot in chunk.indices {
                    let row = UnsafeBufferPointer(rebasing: all[(slot * vocab)..<((slot + 1) * vocab)])
                    out.append(Self.readout(row, topK: k, target: targets?[start + slot] ?? nil))
                }
            }
        }
        return out
    }

    /// One row of logits summarised: log-sum-exp in Double (after subtracting the maximum), the
    /// top `k` by a bounded insertion list, the target's rank by one count.
    static func readout(_ logits: UnsafeBufferPointer<Float>, topK k: Int, target: Int?) -> LensReadout {
        var maximum = -Float.infinity
        for value in logits where value > maximum { maximum = value }
        var sum = 0.0
        for value in logits { sum += Double(Foundation.exp(value - maximum)) }
        let logSumExp = Double(maximum) + Foundation.log(sum)

        // Best first; ties keep the lower id first (a stable order on −logit).
        var ids: [Int] = [], values: [Float] = []
        ids.reserveCapacity(k + 1)
        values.reserveCapacity(k + 1)
        if k > 0 {
            for (id, value) in logits.enumerated() {
                if values.count == k, value <= values[k - 1] { continue }
                var slot = values.count
                while slot > 0, values[slot - 1] < value { slot -= 1 }
                values.insert(value, at: slot)
                ids.insert(id, at: slot)
                if values.count > k { values.removeLast(); ids.removeLast() }
            }
        }
        let top = zip(ids, values).map { LensReadout.Token(id: $0, logProbability: Double($1) - logSumExp) }

        var targetReadout: LensReadout.Target?
        if let target {
            let value = logits[target]
            var above = 0
            for other in logits where other > value { above += 1 }
            targetReadout = LensReadout.Target(id: target, logit: value, logProbability: Double(value) - logSumExp, rank: above + 1)
        }
        return LensReadout(top: top, logSumExp: logSumExp, target: targetReadout)
    }
}

/// The lens at one residual row.
public struct LensReadout: Equatable, Sendable {
    public struct Token: Equatable, Sendable {
        public var id: Int
        /// `log p(id)` under the lens' softmax.
        public var logProbability: Double
        public var probability: Double { Foundation.exp(logProbability) }
    }

    public struct Target: Equatable, Sendable {
        public var id: Int
        public var logit: Float
        public var logProbability: Double
        /// 1 = the most likely token; tokens with an equal logit share the better rank.
        public var rank: Int
    }

    /// The most likely tokens, best first (ties: lower id first).
    public var top: [Token]
    /// `logsumexp` of the row's lens logits.
    public var logSumExp: Double
    public var target: Target?
}

/// Requests the logit lens cannot answer.
public enum LensError: Error, CustomStringConvertible, Equatable {
    case widthMismatch(residual: Int, model: Int)
    case rowOutOfRange(row: Int, rows: Int)
    case targetCountMismatch(rows: Int, targets: Int)
    case targetOutOfRange(id: Int, vocabularySize: Int)
    case negativeTopK(Int)
    case invalidChunk(Int)
    case missingLayer(Int)
    case layerOutOfRange(layer: Int, layers: Int)
    case emptySelection(String)

    public var description: String {
        switch self {
        case .widthMismatch(let residual, let model):
            return "logit lens: residual rows have \(residual) values, the model's width is \(model)"
        case .rowOutOfRange(let row, let rows):
            return "logit lens: row \(row) is outside the residual's \(rows) rows"
        case .targetCountMismatch(let rows, let targets):
            return "logit lens: \(targets) targets for \(rows) rows"
        case .targetOutOfRange(let id, let vocabularySize):
            return "logit lens: target id \(id) is outside the vocabulary (0...\(vocabularySize - 1))"
        case .negativeTopK(let k):
            return "logit lens: top-k must be ≥ 0, got \(k)"
        case .invalidChunk(let rows):
            return "logit lens: chunk rows must be ≥ 1, got \(rows)"
        case .missingLayer(let layer):
            return "logit lens: no residual stream of layer \(layer)"
        case .layerOutOfRange(let layer, let layers):
            return "logit lens: layer \(layer) is outside the model's layers 0...\(layers - 1)"
        case .emptySelection(let what):
            return "logit lens: no \(what) to read"
        }
    }
}
