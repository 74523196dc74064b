import HymbaAnalysis
import HymbaKit

/// What every analysis of a corpus run knows besides its passages: the model's shape, where it
/// came from, the prompt sets, and the one weight statistic the artifacts quote. A journal's
/// header holds all of it, so `merge` rebuilds it without the model or the prompt files.
public struct RunDescription: Sendable {
    /// The model's configuration, with its meta tokens.
    public let config: HymbaConfig
    /// The model folder as shown in figures and tables (`DisplayPath`).
    public let modelPath: String
    public let domains: [DomainDescription]
    public let normWeights: NormWeightMeans

    public init(config: HymbaConfig, modelPath: String, domains: [DomainDescription], normWeights: NormWeightMeans) {
        self.config = config
        self.modelPath = modelPath
        self.domains = domains
        self.normWeights = normWeights
    }

    public var totalPassages: Int { domains.reduce(0) { $0 + $1.passages } }
    public var totalTokens: Int { domains.reduce(0) { $0 + $1.tokenCount } }
    /// Every passage's length, domains in order.
    public var tokenCounts: [Int] { domains.flatMap(\.tokenCounts) }

    /// Every passage of the run in order, numbered across domains.
    public var passages: [PassageRef] {
        var out: [PassageRef] = []
        for (d, domain) in domains.enumerated() {
            for (p, tokens) in domain.tokenCounts.enumerated() {
                out.append(PassageRef(domain: d, index: p, global: out.count, tokenCount: tokens))
            }
        }
        return out
    }
}

/// A prompt set as the artifacts name it: its name, file and passage lengths.
public struct DomainDescription: Equatable, Sendable {
    public let name: String
    public let path: String
    /// Tokens of each passage, BOS included.
    public let tokenCounts: [Int]

    public init(name: String, path: String, tokenCounts: [Int]) {
        self.name = name
        self.path = path
        self.tokenCounts = tokenCounts
    }

    public var passages: Int { tokenCounts.count }
    public var tokenCount: Int { tokenCounts.reduce(0, +) }
}

/// One passage of a run: its domain, its place in the domain and in the whole run.
public struct PassageRef: Hashable, Sendable, CustomStringConvertible {
    /// Index into the run's domains.
    public let domain: Int
    /// Index within its domain (0 = the domain's first passage).
    public let index: Int
    /// Index across all domains in order — the order passages are folded in.
    public let global: Int
    public let tokenCount: Int

    public init(domain: Int, index: Int, global: Int, tokenCount: Int) {
        self.domain = domain
        self.index = index
        self.global = global
        self.tokenCount = tokenCount
    }

    public var description: String { "passage \(index + 1) of domain \(domain + 1)" }
}
