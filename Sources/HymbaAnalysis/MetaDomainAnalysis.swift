/// Do different domains use different meta tokens? (paper Fig. 5), for one layer.
///
/// Inputs are per-passage meta-token profiles (see `MetaProfileCollector`) grouped by domain.
///
/// ```
/// mean_d[k]  = mean over d's passages of profile_p[k]           raw attention mass received
/// share_d    = mean_d / Σ_k mean_d[k]                           where d's meta mass goes
/// JSD(d, e)  = JensenShannon(share_d, share_e)                  nats, 0 … ln 2
/// S          = Σ_{d<e} JSD(d, e)                                the permutation statistic
/// spec_d[k]  = share_d[k] − mean_{e≠d} share_e[k]               specificity of token k to d
/// ```
/// The p-value for "the domains' profiles differ" permutes passages between domains (sizes
/// kept) and recomputes S (`PermutationTest`). The most domain-specific tokens of d are those
/// with the largest `spec_d`.
public enum MetaDomainAnalysis {
    public struct Domain: Equatable, Sendable {
        public let name: String
        public let passages: Int
        public let meanProfile: [Double]
        public let share: [Double]
        /// Meta tokens sorted by specificity to this domain, most specific first (only
        /// tokens with positive specificity, at most `topCount`).
        public let topTokens: [TopToken]
    }

    public struct TopToken: Equatable, Sendable {
        public let token: Int
        public let meanMass: Double
        public let share: Double
        public let specificity: Double
    }

    public struct Pair: Equatable, Sendable {
        public let first: String
        public let second: String
        public let divergence: Double
    }

    public struct Result: Equatable, Sendable {
        public let layer: Int
        public let domains: [Domain]
        public let divergences: [Pair]
        public let test: PermutationTest.Result
    }

    /// - Parameters:
    ///   - domains: (name, per-passage profiles), each profile of the same length M.
    ///   - topCount: how many specific tokens to list per domain.
    /// - Throws: `AnalysisError.insufficientData` for fewer than two domains, a domain with no
    ///   passage, or profiles of different lengths.
    public static func analyze(domains: [(name: String, profiles: [[Double]])], layer: Int,
                               permutations: Int, seed: UInt64, topCount: Int = 5) throws -> Result {
        guard domains.count >= 2 else {
            throw AnalysisError.insufficientData("comparing domains needs at least two, got \(domains.count)")
        }
        for domain in domains where domain.profiles.isEmpty {
            throw AnalysisError.insufficientData("domain '\(domain.name)' has no passage")
        }
        let m = domains[0].profiles[0].count
        guard m > 0 else { throw AnalysisError.insufficientData("the model has no meta tokens to compare") }
        guard domains.allSatisfy({ $0.profiles.allSatisfy { $0.count == m } }) else {
            throw AnalysisError.insufficientData("meta-token profiles of different lengths")
        }

        let means = domains.map { meanProfile($0.profiles, length: m) }
        let shares = means.map { JensenShannon.normalized($0) ?? [Double](repeating: .nan, count: m) }
        var pairs: [Pair] = []
        for a in domains.indices {
            for b in domains.indices where b > a {
                pairs.append(Pair(first: domains[a].name, second: domains[b].name,
                                  divergence: JensenShannon.divergence(means[a], means[b])))
            }
        }
        let test = PermutationTest.run(groups: domains.map(\.profiles), permutations: permutations, seed: seed) {
            divergenceSum($0.map { meanProfile($0, length: m) })
        }
        let results = domains.indices.map { d -> Domain in
            let others = domains.indices.filter { $0 != d }
            let specificity = (0..<m).map { k in shares[d][k] - others.reduce(0.0) { $0 + shares[$1][k] } / Double(others.count) }
            let top = (0..<m).filter { specificity[$0] > 0 }
                .sorted { specificity[$0] != specificity[$1] ? specificity[$0] > specificity[$1] : $0 < $1 }
                .prefix(max(0, topCount))
                .map { TopToken(token: $0, meanMass: means[d][$0], share: shares[d][$0], specificity: specificity[$0]) }
            return Domain(name: domains[d].name, passages: domains[d].profiles.count, meanProfile: means[d],
                          share: shares[d], topTokens: Array(top))
        }
        return Result(layer: layer, domains: results, divergences: pairs, test: test)
    }

    /// Σ over domain pairs of the JSD of their mean profiles.
    public static func divergenceSum(_ means: [[Double]]) -> Double {
        var sum = 0.0
        for a in means.indices {
            for b in means.indices where b > a { sum += JensenShannon.divergence(means[a], means[b]) }
        }
        return sum
    }

    static func meanProfile(_ profiles: [[Double]], length: Int) -> [Double] {
        var sum = [Double](repeating: 0, count: length)
        for profile in profiles { for k in 0..<length { sum[k] += profile[k] } }
        return sum.map { $0 / Double(max(1, profiles.count)) }
    }
}
