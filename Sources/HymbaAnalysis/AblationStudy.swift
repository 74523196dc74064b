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
        let run = try AblationRun(model: model, ids: ids)
        var ablated: [[Double]] = []
        ablated.reserveCapacity(ablations.count)
        for (i, ablation) in ablations.enumerated() {
            ablated.append(try run.loss(ablation))
            progress?(i + 1, ablations.count)
        }
        return PassageLosses(clean: run.cleanLoss, ablated: ablated)
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

/// One passage's clean run, kept so that any number of single-component ablations can be
/// measured against it one at a time — in any order, which lets a corpus run time the most and
/// the least expensive ablations first to calibrate its estimate.
public struct AblationRun: Sendable {
    public let ids: [Int]
    public let clean: CleanRun
    /// Per-token next-token loss of the clean run, n − 1 values.
    public let cleanLoss: [Double]
    private let model: HymbaModel

    /// - Throws: `ProbeError` for invalid ids.
    public init(model: HymbaModel, ids: [Int]) throws {
        self.model = model
        self.ids = ids
        clean = try model.cleanRun(ids: ids)
        cleanLoss = NextTokenLoss.perToken(logits: clean.logits, ids: ids)
    }

    /// The per-token losses with `ablation` applied (layers before it reused from the clean run).
    public func loss(_ ablation: Ablation) throws -> [Double] {
        NextTokenLoss.perToken(logits: try model.forward(resumingFrom: clean, ablations: [ablation]), ids: ids)
    }
}

extension Ablation {
    /// Writes the ablation as (layer, component, head).
    func encode(to encoder: inout PartialStateEncoder) {
        encoder.integer(layer)
        switch target {
        case .attentionBranch: encoder.integers([0, 0])
        case .ssmBranch: encoder.integers([1, 0])
        case .attentionHead(let h): encoder.integers([2, h])
        case .ssmHead(let h): encoder.integers([3, h])
        }
    }

    init(decoding decoder: inout PartialStateDecoder) throws {
        let layer = try decoder.integer()
        let kind = try decoder.integers(count: 2)
        switch kind[0] {
        case 0: self.init(layer: layer, .attentionBranch)
        case 1: self.init(layer: layer, .ssmBranch)
        case 2: self.init(layer: layer, .attentionHead(kind[1]))
        case 3: self.init(layer: layer, .ssmHead(kind[1]))
        default: throw PartialStateError.malformed("an ablation of kind \(kind[0])")
        }
    }
}

extension DeltaNLLAccumulator: MergeableReducer {
    public mutating func merge(_ other: DeltaNLLAccumulator) throws {
        guard other.ablations == ablations else {
            throw PartialStateError.incompatible("ΔNLL of \(ablations.count) and \(other.ablations.count) different ablations")
        }
        cleanSum += other.cleanSum
        for a in ablations.indices {
            ablatedSums[a] += other.ablatedSums[a]
            passageMeans[a] += other.passageMeans[a]
        }
        tokens += other.tokens
        passages += other.passages
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag("DeltaNLLAccumulator", version: 1)
        encoder.integer(ablations.count)
        for ablation in ablations { ablation.encode(to: &encoder) }
        encoder.integers([tokens, passages])
        encoder.double(cleanSum)
        encoder.doubles(ablatedSums)
        for means in passageMeans { encoder.doubles(means) }
    }

    public init(decoding decoder: inout PartialStateDecoder) throws {
        try decoder.expectTag("DeltaNLLAccumulator", version: 1)
        let count = try decoder.integer()
        guard count >= 0 else { throw PartialStateError.malformed("a negative ablation count") }
        let ablations = try (0..<count).map { _ in try Ablation(decoding: &decoder) }
        self.init(ablations: ablations)
        let counts = try decoder.integers(count: 2)
        tokens = counts[0]
        passages = counts[1]
        cleanSum = try decoder.double()
        ablatedSums = try decoder.doubles(count: count)
        passageMeans = try (0..<count).map { _ in try decoder.doubles(count: passages) }
    }
}
