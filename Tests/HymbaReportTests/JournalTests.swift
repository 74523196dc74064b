import Foundation
import HymbaAnalysis
import HymbaKit
import TestFixtures
import XCTest
@testable import HymbaReport

/// The journal on disk: records come back as written; a crash's torn or damaged last record is
/// dropped and cut off; damage before the last record, a foreign file or a second writer is
/// refused with a message naming the file.
final class JournalTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A header for three short passages on the bundled model's checkpoint.
    static func header(maxTokens: Int? = nil, analyses: [any CorpusAnalysis]? = nil) throws -> RunHeader {
        let checkpoint = try Checkpoint(directory: FixtureFiles.bundledModel)
        let corpora = [Corpus(name: "a", path: "a.txt", passages: [[1, 5, 9], [1, 7]]), Corpus(name: "b", path: "b.txt", passages: [[1, 3, 3, 3]])]
        let run = CorpusRun.description(config: checkpoint.config, modelPath: "models/hymba-tiny", corpora: corpora)
        return try RunHeader(command: "report", commandLine: "hymba-lens report", checkpoint: checkpoint, modelPath: "models/hymba-tiny",
                             corpora: corpora, promptDigests: ["aa", "bb"], maxPassages: nil, maxTokens: maxTokens,
                             analyses: analyses ?? [try MagnitudesAnalysis(settings: .init(), run: run)],
                             normWeights: NormWeightMeans(attention: [0.5], ssm: [0.25]), shard: nil)
    }

    static func record(_ global: Int, header: RunHeader, payload: [UInt8] = [1, 2, 3]) -> PassageRecord {
        let passage = header.passages[global]
        return PassageRecord(passage: passage, ids: header.domains[passage.domain].passages[passage.index].ids, seconds: 0.5,
                             partials: [.init(analysis: "magnitudes", bytes: payload)])
    }

    func testRecordsComeBackAsWritten() throws {
        let header = try Self.header()
        let url = directory.appendingPathComponent(Journal.fileName)
        let journal = try Journal.create(at: url, header: header)
        try journal.append(Self.record(0, header: header, payload: Array(0...255)))
        try journal.append(Self.record(2, header: header))
        let contents = try Journal.read(url)
        XCTAssertEqual(contents.header, header)
        XCTAssertEqual(contents.records, [Self.record(0, header: header, payload: Array(0...255)), Self.record(2, header: header)])
        XCTAssertNil(contents.droppedTail)
        XCTAssertEqual(try header.description().normWeights, NormWeightMeans(attention: [0.5], ssm: [0.25]), "bit patterns survive")
    }

    /// SIGKILL mid-write leaves a prefix of the last record; bit rot in it fails its checksum.
    /// Either way the record is dropped, the file is cut back, and appending continues.
    func testTornOrDamagedLastRecordIsDroppedAndCut() throws {
        let header = try Self.header()
        let url = directory.appendingPathComponent(Journal.fileName)
        var good = 0
        do {
            let journal = try Journal.create(at: url, header: header)
            try journal.append(Self.record(0, header: header))
            good = try Data(contentsOf: url).count
            try journal.append(Self.record(1, header: header))
        }
        let full = try Data(contentsOf: url)

        for (name, damaged) in [("cut short", full.prefix(full.count - 3)), ("damaged", Self.flip(full, at: full.count - 6)),
                                ("only a length", full.prefix(good + 2))] {
            try damaged.write(to: url)
            let contents = try Journal.read(url)
            XCTAssertEqual(contents.records.count, 1, name)
            XCTAssertEqual(contents.validLength, good, name)
            XCTAssertNotNil(contents.droppedTail, name)
            do {
                let (resumed, dropped) = try Journal.resume(at: url)
                XCTAssertNotNil(dropped, name)
                XCTAssertEqual(try Data(contentsOf: url).count, good, "\(name): cut back to the whole records")
                try resumed.append(Self.record(1, header: header))
            }
            XCTAssertEqual(try Data(contentsOf: url), full, "\(name): the redone passage continues the file")
        }
    }

    func testDamageBeforeTheLastRecordIsRefused() throws {
        let header = try Self.header()
        let url = directory.appendingPathComponent(Journal.fileName)
        let journal = try Journal.create(at: url, header: header)
        try journal.append(Self.record(0, header: header))
        let first = try Data(contentsOf: url).count
        try journal.append(Self.record(1, header: header))
        try Self.flip(try Data(contentsOf: url), at: first - 6).write(to: url)
        XCTAssertThrowsError(try Journal.read(url)) {
            XCTAssertTrue("\($0)".contains("before its last record"), "\($0)")
            XCTAssertTrue("\($0)".contains("--restart"), "\($0)")
        }
    }

    func testForeignFilesAndSecondWritersAreRefused() throws {
        let url = directory.appendingPathComponent(Journal.fileName)
        try Data("not a journal".utf8).write(to: url)
        XCTAssertThrowsError(try Journal.read(url)) { XCTAssertTrue("\($0)".contains("is not a hymba-lens journal"), "\($0)") }
        try FileManager.default.removeItem(at: url)

        let header = try Self.header()
        let journal = try Journal.create(at: url, header: header)
        XCTAssertThrowsError(try Journal.resume(at: url)) { XCTAssertTrue("\($0)".contains("another hymba-lens run"), "\($0)") }
        _ = journal
        // A record for a passage the header does not have is refused.
        let stray = PassageRecord(passage: header.passages[0], ids: "0000000000000000", seconds: 0, partials: [.init(analysis: "magnitudes", bytes: [])])
        try journal.append(stray)
        try journal.append(Self.record(1, header: header))
        XCTAssertThrowsError(try Journal.read(url)) { XCTAssertTrue("\($0)".contains("not in the run's prompt sets"), "\($0)") }
    }

    func testDifferencesAreNamed() throws {
        let header = try Self.header()
        XCTAssertNil(header.difference(from: header))
        var other = header
        other.maxTokens = 64
        XCTAssertEqual(header.difference(from: other), "--max-tokens is 64 in the journal, not set here")
        other = header
        other.model.weights = "0"
        XCTAssertTrue(header.difference(from: other)?.contains("weights differ") ?? false)
        other = header
        other.domains[1].sha256 = "cc"
        XCTAssertTrue(header.difference(from: other)?.contains("prompt set 'b' differs") ?? false)
        other = header
        other.model.path = "/elsewhere/hymba-tiny"
        other.domains[0].path = "/elsewhere/a.txt"
        XCTAssertNil(header.difference(from: other), "paths are not compared")

        let checkpoint = try Checkpoint(directory: FixtureFiles.bundledModel)
        let run = CorpusRun.description(config: checkpoint.config, modelPath: "m", corpora: [Corpus(name: "a", path: "a", passages: [[1, 2]])])
        let rule = try HeadRoleRule()
        let three = try Self.header(analyses: [try RolesAnalysis(settings: .init(branchPassages: 10, headPassages: 3, ablateHeads: true, rule: rule), run: run)])
        let ten = try Self.header(analyses: [try RolesAnalysis(settings: .init(branchPassages: 10, headPassages: nil, ablateHeads: true, rule: rule), run: run)])
        XCTAssertEqual(ten.difference(from: three), "the roles option --head-ablation-passages is 3 in the journal, all here")

        var shard = header
        shard.shard = .init(index: 2, count: 3, passages: [1])
        var otherShard = shard
        otherShard.shard = .init(index: 1, count: 3, passages: [0])
        XCTAssertEqual(shard.difference(from: otherShard), "it is shard 1/3 in the journal, shard 2/3 here")
        XCTAssertNil(shard.difference(from: otherShard, comparingShard: false))
        otherShard.shard = .init(index: 1, count: 4, passages: [0])
        XCTAssertEqual(shard.difference(from: otherShard, comparingShard: false), "it is split into 4 shards in the journal, 3 here")
    }

    static func flip(_ data: Data, at index: Int) -> Data {
        var bytes = [UInt8](data)
        bytes[index] ^= 0x40
        return Data(bytes)
    }
}
