import Foundation
import XCTest
@testable import HymbaKit

final class AblationTests: XCTestCase {
    let fixture = Fixtures.parity.appendingPathComponent("tiny-bf16")   // layer 1 produces K/V for layer 2

    func testResumingFromACleanRunEqualsAFullAblatedRun() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
        let ids = try Fixtures.prompts(of: fixture)[1].ids
        let clean = try model.cleanRun(ids: ids)
        XCTAssertEqual(clean.logits, try model.forward(ids: ids))
        XCTAssertEqual(try model.forward(resumingFrom: clean, ablations: []), clean.logits)
        let cases: [[Ablation]] = [
            [Ablation(layer: 2, .attentionBranch)],          // consumer: K/V come from the clean layer 1
            [Ablation(layer: 1, .ssmBranch)],                // producer
            [Ablation(layer: 3, .attentionHead(1))],
            [Ablation(layer: 0, .ssmHead(3)), Ablation(layer: 2, .attentionHead(0))],
        ]
        for ablations in cases {
            let full = try model.forward(ids: ids, ablations: ablations)
            let resumed = try model.forward(resumingFrom: clean, ablations: ablations)
            XCTAssertEqual(full, resumed, "\(ablations)")
            XCTAssertNotEqual(full, clean.logits, "\(ablations) changes the output")
        }
    }

    /// Zeroing every head of a branch before its norm is the same as zeroing the branch output,
    /// which RMSNorm maps to 0 — i.e. the branch ablation.
    func testAllHeadsOfABranchEqualTheBranch() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
        let ids = try Fixtures.prompts(of: fixture)[0].ids
        let heads = (0..<model.config.attentionHeads).map { Ablation(layer: 2, .ssmHead($0)) }
        let branch = try model.forward(ids: ids, ablations: [Ablation(layer: 2, .ssmBranch)])
        XCTAssertLessThan(Parity.scaledError(try model.forward(ids: ids, ablations: heads).storage, branch.storage), 1e-6)
    }

    func testAblationOutOfRangeIsAnError() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
        XCTAssertThrowsError(try model.forward(ids: [1, 2], ablations: [Ablation(layer: 4, .ssmBranch)]))
        XCTAssertThrowsError(try model.forward(ids: [1, 2], ablations: [Ablation(layer: 0, .attentionHead(4))]))
    }

    /// Nothing reaches the destination before commit; a commit replaces the earlier run's files
    /// (per its mark) and keeps a file the user added.
    func testStagingDirectoryReplacesOnlyOnCommit() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("stage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }
        let destination = parent.appendingPathComponent("report")

        let first = try StagingDirectory(destination: destination)
        try Data("old".utf8).write(to: try first.url(for: "figs/old.txt"))
        try first.commit()
        try Data("mine".utf8).write(to: destination.appendingPathComponent("notes.txt"))

        let abandoned = try StagingDirectory(destination: destination)
        try Data("x".utf8).write(to: try abandoned.url(for: "figs/a.txt"))
        abandoned.abandon()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["report"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination.path).sorted(),
                       [OutputFolder.markerName, "figs", "notes.txt"])

        let staging = try StagingDirectory(destination: destination)
        try Data("new".utf8).write(to: try staging.url(for: "figs/b.txt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.appendingPathComponent("figs/b.txt").path))
        try staging.commit()
        XCTAssertEqual(try String(contentsOf: destination.appendingPathComponent("figs/b.txt"), encoding: .utf8), "new")
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.appendingPathComponent("figs/old.txt").path))
        XCTAssertEqual(try String(contentsOf: destination.appendingPathComponent("notes.txt"), encoding: .utf8), "mine")
        XCTAssertEqual(OutputFolder.marker(in: destination), ["figs/b.txt"])
    }
}

final class LogitRowsTests: XCTestCase {
    func testLastRowOnlyEqualsTheLastRowOfAll() throws {
        let fixture = Fixtures.parity.appendingPathComponent("tiny-f32")
        let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
        let ids = try Fixtures.prompts(of: fixture)[0].ids
        let all = try model.forward(ids: ids)
        // A one-row product may take a different BLAS kernel: equal up to rounding.
        let last = try model.forward(ids: ids, logitRows: .last)
        XCTAssertEqual(last.rows, 1)
        XCTAssertLessThan(Parity.scaledError(last.storage, all.row(all.rows - 1)), 1e-6)
        let recorder = model.makeRecorder(plan: try RecordingPlan("hidden@0", config: model.config))
        let recorded = try model.forward(ids: ids, recorder: recorder, logitRows: .last)
        XCTAssertEqual(recorded.rows, 1)
        XCTAssertLessThan(Parity.scaledError(recorded.storage, all.row(all.rows - 1)), 1e-5)
    }
}
