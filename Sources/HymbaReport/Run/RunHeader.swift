import Foundation
import HymbaAnalysis
import HymbaKit

/// The identity of a corpus run, the first record of its journal: which command with which
/// analyses and settings, which model (config digest and a fingerprint of every weight byte),
/// which prompt sets (file digests and every passage's length and id digest), which limits,
/// and which shard. A resumed run or a merge compares identities and names the first
/// difference; paths and the command line are kept for the outputs and messages but not
/// compared (a shard may see the same model under another mount point).
///
/// It also carries what the artifacts need from the model (its config.json and the norm
/// weights' mean |w|), so `merge` rebuilds the run description without the model.
struct RunHeader: Codable, Equatable {
    static let currentFormat = 1

    var format = RunHeader.currentFormat
    var tool = "hymba-lens"
    var version: String
    /// The subcommand whose outputs the run writes (`report`, `sinks`, …).
    var command: String
    /// The command line that started the run, for messages (not compared).
    var commandLine: String
    var model: Model
    var domains: [Domain]
    var maxPassages: Int?
    var maxTokens: Int?
    var analyses: [AnalysisEntry]
    var shard: Shard?

    struct Model: Codable, Equatable {
        var path: String
        var configSHA256: String
        var weights: String
        /// config.json, base64 (byte for byte).
        var config: String
        /// Bit patterns (hex) of the mean |weight| of each layer's pre-average norms.
        var attentionNorm: [String]
        var ssmNorm: [String]
    }

    struct Domain: Codable, Equatable {
        var name: String
        var path: String
        var sha256: String
        var passages: [Passage]
    }

    struct Passage: Codable, Equatable {
        var tokens: Int
        /// SHA-256 of the ids (int32 little-endian), first 16 hex digits.
        var ids: String
    }

    struct AnalysisEntry: Codable, Equatable {
        var name: String
        /// The analysis's settings as canonical JSON.
        var settings: String
    }

    struct Shard: Codable, Equatable {
        /// 1 … count.
        var index: Int
        var count: Int
        /// Global indices of the passages this shard runs, ascending.
        var passages: [Int]
    }

    /// The header of a run over `corpora` with `analyses`.
    init(command: String, commandLine: String, checkpoint: Checkpoint, modelPath: String, corpora: [Corpus],
         promptDigests: [String], maxPassages: Int?, maxTokens: Int?, analyses: [any CorpusAnalysis],
         normWeights: NormWeightMeans, shard: Shard?) throws {
        version = HymbaKitInfo.version
        self.command = command
        self.commandLine = commandLine
        model = Model(path: modelPath, configSHA256: SHA256.hex(checkpoint.configData), weights: try checkpoint.weightsFingerprint(),
                      config: checkpoint.configData.base64EncodedString(),
                      attentionNorm: normWeights.attention.map(Self.bits), ssmNorm: normWeights.ssm.map(Self.bits))
        domains = zip(corpora, promptDigests).map { corpus, digest in
            Domain(name: corpus.name, path: corpus.path, sha256: digest,
                   passages: corpus.passages.map { Passage(tokens: $0.count, ids: Self.idsDigest($0)) })
        }
        self.maxPassages = maxPassages
        self.maxTokens = maxTokens
        self.analyses = analyses.map { AnalysisEntry(name: $0.analysisName, settings: $0.settingsJSON) }
        self.shard = shard
    }

    static func bits(_ value: Double) -> String { String(value.bitPattern, radix: 16) }

    static func idsDigest(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            let v = UInt32(truncatingIfNeeded: id)
            bytes += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
        }
        return String(SHA256.hex(bytes).prefix(16))
    }

    /// Every passage of the run in order, numbered across domains.
    var passages: [PassageRef] {
        var out: [PassageRef] = []
        for (d, domain) in domains.enumerated() {
            for (p, passage) in domain.passages.enumerated() {
                out.append(PassageRef(domain: d, index: p, global: out.count, tokenCount: passage.tokens))
            }
        }
        return out
    }

    /// The passages this run (or shard) computes.
    var ownPassages: [PassageRef] {
        let all = passages
        guard let shard else { return all }
        return shard.passages.compactMap { all.indices.contains($0) ? all[$0] : nil }
    }

    /// The run description the analyses write with, rebuilt from the header alone.
    func description() throws -> RunDescription {
        guard let configData = Data(base64Encoded: model.config) else { throw ReportError("the journal's model config is not readable") }
        let config = try HymbaConfig(json: configData, path: model.path + "/config.json")
        func doubles(_ hex: [String]) throws -> [Double] {
            try hex.map {
                guard let bits = UInt64($0, radix: 16) else { throw ReportError("the journal's norm weights are not readable") }
                return Double(bitPattern: bits)
            }
        }
        return RunDescription(config: config, modelPath: model.path,
                              domains: domains.map { DomainDescription(name: $0.name, path: $0.path, tokenCounts: $0.passages.map(\.tokens)) },
                              normWeights: NormWeightMeans(attention: try doubles(model.attentionNorm), ssm: try doubles(model.ssmNorm)))
    }

    /// The analyses of the run, empty, from their stored settings.
    func emptyAnalyses(_ run: RunDescription) throws -> [any CorpusAnalysis] {
        try analyses.map { entry in
            guard let type = AnalysisRegistry.type(named: entry.name) else {
                throw ReportError("the journal names an analysis '\(entry.name)' this hymba-lens does not know")
            }
            return try type.init(settingsJSON: entry.settings, run: run)
        }
    }

    // MARK: - Comparing runs

    /// The first way `other` (a journal's header) is a different run from this one, in words
    /// ("--max-tokens is 64 in the journal, 128 here"), or nil when they are the same run.
    ///
    /// - Parameter shards: compare the shard too (a resumed run), or only the shard count (parts of a merge).
    func difference(from other: RunHeader, comparingShard shards: Bool = true, here: String = "here", there: String = "in the journal") -> String? {
        if other.format != format || other.tool != tool { return "it is a journal of format \(other.format), this hymba-lens writes format \(format)" }
        if other.command != command { return "it is a journal of `\(other.command)`, not of `\(command)`" }
        if other.version != version { return "it was written by hymba-lens \(other.version), this is \(version)" }
        if other.model.configSHA256 != model.configSHA256 { return "the model's config.json differs (\(other.model.path) \(there), \(model.path) \(here))" }
        if other.model.weights != model.weights { return "the model's weights differ (\(other.model.path) \(there), \(model.path) \(here): not the same weight files)" }
        let names = domains.map(\.name), otherNames = other.domains.map(\.name)
        if names != otherNames { return "the prompt sets differ (\(otherNames.joined(separator: ", ")) \(there), \(names.joined(separator: ", ")) \(here))" }
        for (mine, theirs) in zip(domains, other.domains) where mine.sha256 != theirs.sha256 {
            return "the prompt set '\(mine.name)' differs (\(theirs.path) \(there) and \(mine.path) \(here) do not hold the same text)"
        }
        if other.maxPassages != maxPassages { return "--max-passages is \(Self.text(other.maxPassages)) \(there), \(Self.text(maxPassages)) \(here)" }
        if other.maxTokens != maxTokens { return "--max-tokens is \(Self.text(other.maxTokens)) \(there), \(Self.text(maxTokens)) \(here)" }
        for (mine, theirs) in zip(domains, other.domains) where mine.passages != theirs.passages {
            let p = (0..<min(mine.passages.count, theirs.passages.count)).first { mine.passages[$0] != theirs.passages[$0] } ?? min(mine.passages.count, theirs.passages.count)
            return "passage \(p + 1) of '\(mine.name)' tokenizes differently (another tokenizer?)"
        }
        let analysisNames = analyses.map(\.name), otherAnalyses = other.analyses.map(\.name)
        if analysisNames != otherAnalyses { return "the analyses differ (\(otherAnalyses.joined(separator: ", ")) \(there), \(analysisNames.joined(separator: ", ")) \(here))" }
        for (mine, theirs) in zip(analyses, other.analyses) where mine.settings != theirs.settings {
            return Self.settingsDifference(mine, theirs, here: here, there: there)
        }
        switch (shard, other.shard) {
        case (nil, nil): break
        case (let a?, let b?):
            if a.count != b.count { return "it is split into \(b.count) shards \(there), \(a.count) \(here)" }
            if shards, a.index != b.index { return "it is shard \(b.index)/\(b.count) \(there), shard \(a.index)/\(a.count) \(here)" }
        case (nil, let b?): return "it is shard \(b.index)/\(b.count) \(there), an unsharded run \(here)"
        case (let a?, nil): return "it is an unsharded run \(there), shard \(a.index)/\(a.count) \(here)"
        }
        return nil
    }

    private static func text(_ limit: Int?) -> String { limit.map(String.init) ?? "not set" }

    /// "--head-ablation-passages is 3 in the journal, 10 here" from two settings objects.
    private static func settingsDifference(_ mine: AnalysisEntry, _ theirs: AnalysisEntry, here: String, there: String) -> String {
        let a = (try? JSONDecoder().decode([String: SettingValue].self, from: Data(mine.settings.utf8))) ?? [:]
        let b = (try? JSONDecoder().decode([String: SettingValue].self, from: Data(theirs.settings.utf8))) ?? [:]
        for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
            return "the \(mine.name) option --\(key) is \(b[key]?.text ?? "all") \(there), \(a[key]?.text ?? "all") \(here)"
        }
        return "the \(mine.name) settings differ (\(theirs.settings) \(there), \(mine.settings) \(here))"
    }
}

/// One value of an analysis's settings, read back only to say how two runs differ.
private enum SettingValue: Decodable, Equatable {
    case flag(Bool), integer(Int), number(Double), text(String), list([SettingValue]), none

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .none }
        else if let flag = try? container.decode(Bool.self) { self = .flag(flag) }
        else if let integer = try? container.decode(Int.self) { self = .integer(integer) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let text = try? container.decode(String.self) { self = .text(text) }
        else { self = .list(try container.decode([SettingValue].self)) }
    }

    var text: String {
        switch self {
        case .flag(let flag): return flag ? "on" : "off"
        case .integer(let value): return String(value)
        case .number(let value): return "\(value)"
        case .text(let value): return value
        case .list(let values): return values.map(\.text).joined(separator: ",")
        case .none: return "all"
        }
    }
}
