import HymbaKit

// HymbaAnalysis — what the paper's interpretability figures measure, computed from recordings.
//
// Two kinds of pieces, both free of any drawing code:
//
//   reducers    value types fed one passage's recording at a time (`add`), so a corpus of any
//               size runs in constant memory: SinkAccumulator (Fig. 7), MetaProfileCollector
//               (Fig. 5), BranchMagnitudeAccumulator (Fig. 12), EntropyAccumulator (Fig. 15),
//               HeadStatisticsAccumulator and DeltaNLLAccumulator (Figs. 3, 13)
//   analyses    pure functions over what the reducers hold: JensenShannon, PermutationTest,
//               MetaDomainAnalysis, HeadRoleRule, AblationStudy (ΔNLL of one passage)
//
// Every reducer says which hook points it needs (`requiredPoints`), so a caller can run one
// forward pass per passage that feeds several analyses at once. Averages over passages weight
// every passage equally unless a type says otherwise (ΔNLL pools tokens).

/// HymbaAnalysis: pure analyses over recordings and streaming reducers for corpus runs.
public enum HymbaAnalysisInfo {
    public static let version = HymbaKitInfo.version
}
