import Foundation

/// Picks the next token from a row of logits: greedy, or sampled with temperature, top-k and
/// top-p (nucleus) from a seeded `SplitMix64`, applied in Hugging Face's order:
///
/// ```
/// greedy:       next = argmax_i ℓ_i                               (lowest id on ties)
/// temperature:  z_i = ℓ_i / T                                      T > 0
/// top-k:        keep the K largest z (ties: lower id first)        K ≥ 1
/// softmax:      p_i = exp(z_i − max z) / Σ_kept exp(z_j − max z)
/// top-p:        sort kept by p descending; keep the shortest prefix with Σ p ≥ P   P ∈ (0, 1]
/// draw:         u ~ U[0, 1) (53 bits);  next = first kept i with Σ_{j ≤ i} p_j > u · Σ_kept p
/// ```
/// One draw per token, so a seed fixes the whole sequence: same seed, same prompt, same model →
/// the same tokens on every machine.
public struct TokenSampler: Sendable {
    public enum Mode: Equatable, Sendable {
        case greedy
        case sample(temperature: Float, topK: Int?, topP: Double?, seed: UInt64)
    }

    public let mode: Mode
    private var random: SplitMix64

    public init(_ mode: Mode) throws {
        if case .sample(let temperature, let topK, let topP, _) = mode {
            guard temperature > 0, temperature.isFinite else {
                throw GenerationError.badOption("--temperature must be a finite number > 0 (got \(temperature)); leave it out for greedy decoding")
            }
            if let topK, topK < 1 { throw GenerationError.badOption("--top-k must be at least 1 (got \(topK))") }
            if let topP, !(topP > 0 && topP <= 1) { throw GenerationError.badOption("--top-p must be in (0, 1] (got \(topP))") }
        }
        self.mode = mode
        if case .sample(_, _, _, let seed) = mode { random = SplitMix64(seed: seed) } else { random = SplitMix64(seed: 0) }
    }

    /// The next token id for `logits` `(vocab)`.
    public mutating func next(_ logits: [Float]) -> Int {
        switch mode {
        case .greedy:
            return Self.argmax(logits)
        case .sample(let temperature, let topK, let topP, _):
            return sample(logits, temperature: temperature, topK: topK, topP: topP)
        }
    }

    /// The index of the largest value, the lowest index on ties.
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    /// The candidates after top-k and top-p, with their unnormalised probabilities, most
    /// likely first (exposed for tests and docs).
    static func candidates(_ logits: [Float], temperature: Float, topK: Int?, topP: Double?) -> [(id: Int, p: Double)] {
        // Most likely first; the lower id first among equal logits, so the order is total.
        var order = Array(logits.indices)
        order.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        if let topK, topK < order.count { order.removeSubrange(topK...) }
        let top = Double(logits[order[0]]) / Double(temperature)
        var kept = order.map { (id: $0, p: Foundation.exp(Double(logits[$0]) / Double(temperature) - top)) }
        if let topP, topP < 1 {
            let total = kept.reduce(0) { $0 + $1.p }
            var cumulative = 0.0, count = 0
            while count < kept.count {
                cumulative += kept[count].p
                count += 1
                if cumulative >= topP * total { break }
            }
            kept.removeSubrange(count...)
        }
        return kept
    }

    private mutating func sample(_ logits: [Float], temperature: Float, topK: Int?, topP: Double?) -> Int {
        let kept = Self.candidates(logits, temperature: temperature, topK: topK, topP: topP)
        let total = kept.reduce(0) { $0 + $1.p }
        let target = random.unitDouble() * total
        var cumulative = 0.0
        for candidate in kept {
            cumulative += candidate.p
            if cumulative > target { return candidate.id }
        }
        return kept[kept.count - 1].id    // rounding left the target at the very end
    }
}

/// A generation request that cannot run.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case badOption(String)

    public var description: String {
        switch self {
        case .badOption(let message): return message
        }
    }
}
