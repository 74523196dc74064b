import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit
import HymbaReport

struct MetaDomains: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta-domains",
        abstract: "Which meta tokens each domain's text attends to (paper Fig. 5).",
        discussion: """
        For each passage, the attention every meta token receives at the chosen layer \
        (meta_attn_received, mean over the passage's real-token rows), averaged over heads: the \
        passage's meta-token profile. Then per domain:

          mean profile  mean over the domain's passages
          share         the mean profile scaled to sum 1
          JSD           Jensen-Shannon divergence of two domains' shares, in nats
                        (0 … ln 2)
          specificity   share in this domain − mean share in the other domains;
                        the top tokens by specificity are the most domain-specific
                        meta tokens
          p-value       permutation test of "the profiles differ": statistic
                        S = Σ pairwise JSD; passages are dealt to domains at random
                        (sizes kept) --permutations times with a seeded SplitMix64
                        generator (--seed);
                        p = (1 + #{S_perm ≥ S}) / (1 + permutations)

        --layer all analyses every layer (JSON and CSV hold each) and adds a layer × meta-token \
        map per domain; the box plot, profile map and JSD map show the last layer.

        Writes to --out: meta-domains-box, -profiles, -jsd (and -layers) as .png/.svg, \
        meta-domains.json, meta-domains.csv (layer, domain, meta_token, mean_mass, share, \
        specificity), meta-domains-passages.csv (every passage's profile), meta-domains-jsd.csv, \
        meta-domains-test.csv.

        Examples:
          hymba-lens meta-domains --domain article=analyses/domains/article.txt \\
              --domain math=analyses/domains/math.txt \\
              --domain code=analyses/domains/code.txt --out out/meta
          hymba-lens meta-domains models/hymba-tiny --domain a=a.txt --domain b=b.txt \\
              --layer all --permutations 5000 --out out/meta
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder with a tokenizer (default: the bundled models/hymba-tiny).", valueName: "model-dir"))
    var model: String?

    @Option(help: ArgumentHelp("A domain's prompt set as name=file (at least two).", valueName: "name=file"))
    var domain: [String] = []

    @Option(help: ArgumentHelp("Layer to analyse: a number, 'last' (default) or 'all'.", valueName: "layer"))
    var layer: String = "last"

    @Option(help: ArgumentHelp("Permutations for the p-value.", valueName: "n"))
    var permutations: Int = 1000

    @Option(help: ArgumentHelp("Seed of the permutation generator.", valueName: "n"))
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Most domain-specific meta tokens to list per domain.", valueName: "n"))
    var top: Int = 5

    @OptionGroup var limits: CorpusLimits
    @OptionGroup var output: AnalysisOutputOptions
    @OptionGroup var runOptions: CorpusRunOptions

    func validate() throws {
        if let problem = PermutationTest.problem(permutations: permutations) { throw ValidationError(problem) }
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        var command = CorpusCommand(command: "meta-domains", label: "meta-domains", model: model, domains: try DomainOption.parseAll(domain),
                                    limits: limits, output: output, run: runOptions)
        guard command.domains.count >= 2 else { throw CLIError("give at least two --domain name=file to compare") }
        var layers: [Int] = []
        command.checkModel = { path, config in
            guard config.memoryTokens > 0 else { throw CLIError("\(path) has no meta tokens to compare") }
            layers = try Self.layers(layer, config: config)
        }
        _ = try command.execute { run in
            [try MetaDomainsAnalysis(settings: .init(layers: layers, permutations: permutations, seed: seed, top: top), run: run)]
        }
    }

    /// "last" → [L−1]; "all" → 0…L−1; "3" → [3].
    static func layers(_ text: String, config: HymbaConfig) throws -> [Int] {
        let count = config.hiddenLayers
        switch text {
        case "last": return [count - 1]
        case "all": return Array(0..<count)
        default:
            guard let value = Int(text) else { throw CLIError("--layer '\(text)' is not a layer number, 'last' or 'all'") }
            guard (0..<count).contains(value) else { throw CLIError("--layer \(value) is out of range: the model has layers 0…\(count - 1)") }
            return [value]
        }
    }
}
