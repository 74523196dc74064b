import Dispatch
import HymbaKit

/// What the model loses when one component is zeroed (paper Figs. 3 and 13), for one passage.
///
/// Loss is the next-token NLL over the passage's real tokens (`NextTokenLoss.perToken`, n − 1
/// predictions). Each ablation reruns only the layers from the ablated one on, starting from a
/// clean run's residual stream (`HymbaModel.forward(resumingFrom:ablations:)`), so a component
/// in the last layer costs one layer plus the LM head instead of a whole forward pass.
public enum AblationStudy {
    /// Every single-component ablation, layer by layer: the attention branch and the SSM branch
    /// (β = 0, removed after their norms), then each attention head and each SSM head (its
    /// channel slice zeroed before the pre-average norm). `L·(2 + 2H)` ablations.
    public static func components(config: HymbaConfig, layers: [Int]? = nil) -> [Ablation] {
        var out: [Ablation] = []
        for layer in layers ?? Array(0..<config.hiddenLayers) {
            out.append(Ablation(layer: layer, .attentionBranch))
            out.append(Ablation(layer: layer, .ssmBranch))
            for h in 0..<config.attentionHeads { out.append(Ablation(layer: layer, .attentionHead(h))) }
            for h in 0..<config.attentionHeads { out.append(Ablation(layer: layer, .ssmHead(h))) }
        }
        return out
    }

    /// Per-token losses of the clean run and of each ablation (one ablation at a time).
    ///
    /// - Parameter progress: called after each ablation with (done, total).
    /// - Throws: `ProbeError` for invalid ids or ablations.
    public static func losses(model: HymbaModel, ids: [Int], ablations: [Ablation],
                              progress: ((Int, Int) -> Void)? = nil) throws -> PassageLosses {
        let clean = try model.cleanRun(ids: ids)
        var ablated: [[Double]] = []
        ablated.reserveCapacity(ablations.count)
        for (i, ablation) in ablations.enumerated() {
            let logits = try model.forward(resumingFrom: clean, ablations: [ablation])
            ablated.append(perTokenLoss(logits: logits, ids: ids))
            progress?(i + 1, ablations.count)
        }
        return PassageLosses(clean: perTokenLoss(logits: clean.logits, ids: ids), ablated: ablated)
    }

    /// `NextTokenLoss.perToken` computed on `lanes` row blocks at once: the log-sum-exp over the
    /// vocabulary is a third of an ablation's time and, unlike the sgemms, runs on one core.
    /// Block b covers predictions `t ∈ [start_b, end_b)`, i.e. logit rows start_b ..< end_b and
    /// ids start_b ... end_b — the same numbers as one call, in the same order.
    static func perTokenLoss(logits: Matrix, ids: [Int], lanes: Int = 2) -> [Double] {
        let predictions = ids.count - 1
        guard lanes > 1, predictions >= 64 else { return NextTokenLoss.perToken(logits: logits, ids: ids) }
        let bounds = (0...lanes).map { $0 * predictions / lanes }
        final class Blocks: @unchecked Sendable { var losses: [[Double]] = [] }
        let blocks = Blocks()
        blocks.losses = Array(repeating: [], count: lanes)
        DispatchQueue.concurrentPerform(iterations: lanes) { b in
            let rows = bounds[b]..<(bounds[b + 1] + 1)
            blocks.losses[b] = Array(NextTokenLoss.perToken(logits: logits.rows(rows), ids: Array(ids[rows])))
        }
        return blocks.losses.flatMap { $0 }
    }
}

/// Next-token losses of one passage: `clean[t]` and `ablated[a][t]` for t = 0 … n−2.
public struct PassageLosses: Equatable, Sendable {
    public let clean: [Double]
    public let ablated: [[Double]]

    public init(clean: [Double], ablated: [[Double]]) {
        self.clean = clean
        self.ablated = ablated
    }
}

/// ΔNLL of each ablation over a corpus, pooling tokens:
///
/// ```
/// ΔNLL_a = Σ_p Σ_t (loss_a,p[t] − loss_clean,p[t]) / Σ_p (n_p − 1)
/// ```
/// i.e. the change of "mean next-token loss over real tokens" of the whole set. `standardError`
/// is the spread of the per-passage means of the same difference, sd / √P, a rough guide to
/// which differences the passages agree on (NaN for fewer than two passages). Passages of one
/// token predict nothing and are skipped.
public struct DeltaNLLAccumulator: Sendable {
    public let ablations: [Ablation]
    private var cleanSum = 0.0
    private var ablatedSums: [Double]
    private var passageMeans: [[Double]]      // [ablation][passage]
    public private(set) var tokens = 0
    public private(set) var passages = 0

    public init(ablations: [Ablation]) {
        self.ablations = ablations
        ablatedSums = [Double](repeating: 0, count: ablations.count)
        passageMeans = Array(repeating: [], count: ablations.count)
    }

    /// - Throws: `AnalysisError.invalidArgument` when the losses do not match the ablations.
    public mutating func add(_ losses: PassageLosses) throws {
        guard losses.ablated.count == ablations.count,
              losses.ablated.allSatisfy({ $0.count == losses.clean.count }) else {
            throw AnalysisError.invalidArgument("losses for \(losses.ablated.count) ablations, expected \(ablations.count)")
        }
        let n = losses.clean.count
        guard n > 0 else { return }
        let clean = losses.clean.reduce(0, +)
        cleanSum += clean
        for a in ablations.indices {
            let sum = losses.ablated[a].reduce(0, +)
            ablatedSums[a] += sum
            passageMeans[a].append((sum - clean) / Double(n))
        }
        tokens += n
        passages += 1
    }

    /// Mean clean loss per predicted token.
    public var cleanNLL: Double { tokens > 0 ? cleanSum / Double(tokens) : .nan }

    public var results: [DeltaNLL] {
        ablations.indices.map { a in
            let means = passageMeans[a]
            var standardError = Double.nan
            if means.count > 1 {
                let mean = means.reduce(0, +) / Double(means.count)
                let variance = means.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(means.count - 1)
                standardError = (variance / Double(means.count)).squareRoot()
            }
            return DeltaNLL(ablation: ablations[a],
                            delta: tokens > 0 ? (ablatedSums[a] - cleanSum) / Double(tokens) : .nan,
                            standardError: standardError,
                            ablatedNLL: tokens > 0 ? ablatedSums[a] / Double(tokens) : .nan)
        }
    }
}

/// The loss change of one ablation.
public struct DeltaNLL: Equatable, Sendable {
    public let ablation: Ablation
    /// Ablated minus clean mean next-token loss, nats per token.
    public let delta: Double
    public let standardError: Double
    public let ablatedNLL: Double
}
