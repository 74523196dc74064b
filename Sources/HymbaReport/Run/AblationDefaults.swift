import HymbaAnalysis
import HymbaKit

/// The report's default ablation passages, chosen by model size: as many as fit a 45-minute
/// budget on the reference machine (`PassageWork.referenceSeconds`), preferring head
/// ablations on up to 10 passages per domain, then fewer head passages, then fewer branch
/// passages. The bundled model gets 10 and 10 (its whole report takes a few minutes); the
/// 32-layer 1.5B gets branch ablations on a few passages per domain and no head ablations —
/// one passage's 1,600 head ablations alone take about half an hour there, which is what the
/// sharded runs are for (docs/cluster.md).
///
/// The choice depends on the model's shape and the prompt sets, never on this machine's speed,
/// so the same command gives the same report everywhere.
public enum AblationDefaults {
    public static let budgetSeconds = 45.0 * 60
    public static let maximum = 10

    public struct Choice: Equatable, Sendable {
        /// Per domain.
        public let branchPassages: Int
        public let headPassages: Int
        /// Estimated seconds of all passes on the reference machine.
        public let referenceSeconds: Double
    }

    /// - Parameter tokenCounts: per domain, every passage's length.
    public static func choose(config: HymbaConfig, tokenCounts: [[Int]]) -> Choice {
        let work = PassageWork(config: config)
        let all = AblationStudy.components(config: config)
        let branches = all.filter { $0.target == .attentionBranch || $0.target == .ssmBranch }
        let heads = all.filter { !($0.target == .attentionBranch || $0.target == .ssmBranch) }
        func seconds(_ b: Int, _ h: Int) -> Double {
            var total = 0.0
            for counts in tokenCounts {
                for (p, n) in counts.enumerated() {
                    var needs = PassageNeeds(withMeta: [.attnMass], withoutMeta: [.attnMass])
                    if p < b { needs.ablations += branches }
                    if p < h { needs.ablations += heads }
                    total += work.passage(tokens: n, needs: needs)
                }
            }
            return work.referenceSeconds(total)
        }
        var candidates: [(Int, Int)] = (0...maximum).reversed().map { (maximum, $0) }
        candidates += (0..<maximum).reversed().map { ($0, 0) }
        for (b, h) in candidates {
            let estimate = seconds(b, h)
            if estimate <= budgetSeconds { return Choice(branchPassages: b, headPassages: h, referenceSeconds: estimate) }
        }
        return Choice(branchPassages: 0, headPassages: 0, referenceSeconds: seconds(0, 0))
    }
}
