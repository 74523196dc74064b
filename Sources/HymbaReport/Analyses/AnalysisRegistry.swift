/// Every corpus analysis, in the order the report runs, shows and summarises them. A journal
/// names its analyses; `merge` finds their types here.
public enum AnalysisRegistry {
    public static let all: [any CorpusAnalysis.Type] = [
        SinksAnalysis.self,
        MetaDomainsAnalysis.self,
        RolesAnalysis.self,
        MagnitudesAnalysis.self,
        EntropyAnalysis.self,
    ]

    /// The report's analyses, each set up as `report` runs it.
    public static func report(_ options: ReportOptions, run: RunDescription) throws -> [any CorpusAnalysis] {
        try all.map { try $0.forReport(options, run: run) }
    }

    static func type(named name: String) -> (any CorpusAnalysis.Type)? {
        all.first { $0.name == name }
    }
}
