import Foundation
import HymbaAnalysis
import HymbaKit

/// One analysis of a corpus run, as a mergeable reducer: it says what it needs from each
/// passage, folds a passage in, combines with another partial of itself, writes its exact state,
/// and finally writes its artifacts. The runner (`CorpusRun`) does the passes, the journal, the
/// shards and the merge for every analysis alike; `report` is simply the registry's analyses
/// over one passage loop, and each analysis subcommand is one of them alone.
///
/// Adding an analysis: a reducer in HymbaAnalysis, a type conforming to this protocol (with its
/// artifacts), and one line in `AnalysisRegistry.all`.
///
/// Laws (tested for every registered analysis, see `MergeableReducer`):
/// - decoding an encoded state gives the same state, bit for bit;
/// - merging a one-passage partial into a state equals adding that passage to it, bit for bit,
///   so folding the journal's per-passage partials in passage order reproduces a single run.
public protocol CorpusAnalysis: Sendable {
    /// What shapes the per-passage work and the outputs; part of a run's identity (a journal
    /// made with other settings is refused). Coding keys read like the command-line options.
    associatedtype Settings: Codable, Equatable, Sendable

    /// The name in journals and the report's folder for it (`sinks`, `meta-domains`, …).
    static var name: String { get }

    var settings: Settings { get }

    /// An empty analysis.
    ///
    /// - Throws: `ReportError` when the settings do not fit the run (a layer beyond the model).
    init(settings: Settings, run: RunDescription) throws

    /// The analysis as `report` runs it.
    static func forReport(_ options: ReportOptions, run: RunDescription) throws -> Self

    /// The hook points, variants and ablations this analysis reads from `passage`.
    func needs(_ passage: PassageRef, run: RunDescription) -> PassageNeeds

    /// Folds one passage in.
    mutating func add(_ outcome: PassageOutcome) throws

    /// Adds `other`'s passages after this analysis's own.
    mutating func merge(_ other: Self) throws

    /// The exact partial state (Double bit patterns, counts).
    func encode(to encoder: inout PartialStateEncoder)
    init(decoding decoder: inout PartialStateDecoder, settings: Settings, run: RunDescription) throws

    /// Writes the figures and tables, alone (a subcommand's folder) or as a section of a report.
    func write(to writer: ArtifactWriter, layout: ArtifactLayout, run: RunDescription) throws -> AnalysisOutput
}

/// The report's options that shape its analyses.
public struct ReportOptions: Sendable {
    /// Per domain, the leading passages with branch and with head ablations (nil: all).
    public var branchAblationPassages: Int?
    public var headAblationPassages: Int?
    public var permutations: Int
    public var seed: UInt64
    public var rule: HeadRoleRule

    public init(branchAblationPassages: Int?, headAblationPassages: Int?, permutations: Int, seed: UInt64, rule: HeadRoleRule) {
        self.branchAblationPassages = branchAblationPassages
        self.headAblationPassages = headAblationPassages
        self.permutations = permutations
        self.seed = seed
        self.rule = rule
    }
}

/// Where an analysis's files go and what accompanies them.
public enum ArtifactLayout: Sendable {
    /// The subcommand of the same name: files at the top of --out.
    case alone
    /// A section of `report`: files in a folder named after the analysis, plus the headline
    /// table, section text and summary.json member the report page shows.
    case report
}

/// What an analysis wrote, for the caller (the report page, `sinks --json`).
public struct AnalysisOutput {
    /// The report's section for this analysis (report layout).
    public var section: ReportSection?
    /// Its member of summary.json (report layout).
    public var summary: (key: String, value: JSONTree)?
    /// HTML for the report's headline numbers (report layout); empty for none.
    public var headlineHTML: String = ""
    /// The analysis's main JSON table.
    public var table: JSONTree?

    public init(section: ReportSection? = nil, summary: (key: String, value: JSONTree)? = nil,
                headlineHTML: String = "", table: JSONTree? = nil) {
        self.section = section
        self.summary = summary
        self.headlineHTML = headlineHTML
        self.table = table
    }
}

extension CorpusAnalysis {
    /// The settings as canonical JSON (sorted keys), the form the journal stores and compares.
    public var settingsJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(settings)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// An empty analysis from the settings a journal stored.
    init(settingsJSON: String, run: RunDescription) throws {
        let settings: Settings
        do {
            settings = try JSONDecoder().decode(Settings.self, from: Data(settingsJSON.utf8))
        } catch {
            throw ReportError("the journal's settings of the \(Self.name) analysis cannot be read (\(settingsJSON)); was it written by another version of hymba-lens?")
        }
        try self.init(settings: settings, run: run)
    }

    /// This passage's partial alone, as bytes: what the journal records for it.
    func contribution(of outcome: PassageOutcome, run: RunDescription) throws -> [UInt8] {
        var single = try Self(settings: settings, run: run)
        try single.add(outcome)
        var encoder = PartialStateEncoder()
        single.encode(to: &encoder)
        return encoder.bytes
    }

    /// Merges a partial of this analysis given as bytes (one passage's, from the journal).
    mutating func absorb(_ bytes: [UInt8], run: RunDescription) throws {
        var decoder = PartialStateDecoder(bytes)
        let other = try Self(decoding: &decoder, settings: settings, run: run)
        guard decoder.isAtEnd else { throw PartialStateError.malformed("\(bytes.count - decoder.offset) bytes after the \(Self.name) state") }
        try merge(other)
    }

    var analysisName: String { Self.name }
}
