import Foundation
import HymbaKit
import TestFixtures
import XCTest
@testable import HymbaReport

/// Which passages a shard runs: `--shard` parsing (explicit, Slurm arrays, Kubernetes Indexed
/// Jobs) and the deterministic, balanced assignment.
final class ShardTests: XCTestCase {
    func testExplicitShards() throws {
        XCTAssertEqual(try ShardSelection.parse("2/3", environment: [:]), try ShardSelection(index: 2, count: 3))
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "auto/x", "auto/2/3"] {
            XCTAssertThrowsError(try ShardSelection.parse(bad, environment: [:]), bad) { XCTAssertTrue("\($0)".contains("--shard"), "\($0)") }
        }
    }

    func testAutoReadsTheEnvironmentOnlyWhenAsked() throws {
        let slurm = ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "7", "SLURM_ARRAY_TASK_COUNT": "3"]
        XCTAssertEqual(try ShardSelection.parse("auto", environment: slurm), try ShardSelection(index: 3, count: 3))
        XCTAssertEqual(try ShardSelection.parse("1/2", environment: slurm), try ShardSelection(index: 1, count: 2), "explicit wins")
        XCTAssertThrowsError(try ShardSelection.parse("auto/4", environment: slurm))
        var stepped = slurm
        stepped["SLURM_ARRAY_TASK_STEP"] = "2"
        XCTAssertThrowsError(try ShardSelection.parse("auto", environment: stepped)) { XCTAssertTrue("\($0)".contains("steps by 2"), "\($0)") }
        var list = slurm
        list["SLURM_ARRAY_TASK_MAX"] = "9"
        XCTAssertThrowsError(try ShardSelection.parse("auto", environment: list)) { XCTAssertTrue("\($0)".contains("plain range"), "\($0)") }

        let kubernetes = ["JOB_COMPLETION_INDEX": "0"]
        XCTAssertEqual(try ShardSelection.parse("auto/4", environment: kubernetes), try ShardSelection(index: 1, count: 4))
        XCTAssertThrowsError(try ShardSelection.parse("auto", environment: kubernetes)) { XCTAssertTrue("\($0)".contains("auto/N"), "\($0)") }
        XCTAssertThrowsError(try ShardSelection.parse("auto", environment: [:])) { XCTAssertTrue("\($0)".contains("SLURM_ARRAY_TASK_ID"), "\($0)") }
    }

    func testAssignmentPartitionsAndBalances() {
        // Three heavy (ablated) passages and many light ones: the heavy ones go to different shards.
        let work = [100.0, 1, 2, 100, 3, 1, 100, 2, 2, 1, 3, 2]
        let shards = ShardAssignment.assign(work: work, count: 3)
        XCTAssertEqual(shards.flatMap { $0 }.sorted(), Array(work.indices), "every passage exactly once")
        for shard in shards {
            XCTAssertEqual(shard, shard.sorted(), "passage order within a shard")
            XCTAssertEqual(shard.filter { work[$0] == 100 }.count, 1)
        }
        let loads = shards.map { $0.reduce(0) { $0 + work[$1] } }
        XCTAssertLessThanOrEqual(loads.max()! - loads.min()!, 3)
        XCTAssertEqual(ShardAssignment.assign(work: work, count: 3), shards, "deterministic")
        XCTAssertEqual(ShardAssignment.assign(work: [1, 2], count: 4).map(\.count), [1, 1, 0, 0], "more shards than passages")
    }

    /// The report's defaults by model size on the bundled domains: today's 10 and 10 on the
    /// bundled model; on the 32-layer 1.5B branch ablations on a few passages per domain and no
    /// head ablations, within the budget at the reference speed.
    func testAblationDefaultsByModelSize() throws {
        let checkpoint = try Checkpoint(directory: FixtureFiles.bundledModel)
        let tokenizer = try Tokenizer(directory: FixtureFiles.bundledModel)
        let domains = try ["article", "math", "code"].map { name in
            try Corpus.load(name: name, path: FixtureFiles.domains.appendingPathComponent("\(name).txt").path, tokenizer: tokenizer,
                            config: checkpoint.config, maxPassages: nil, maxTokens: nil).passages.map(\.count)
        }
        let tiny = AblationDefaults.choose(config: checkpoint.config, tokenCounts: domains)
        XCTAssertEqual([tiny.branchPassages, tiny.headPassages], [10, 10])
        let big = try HymbaConfig(json: Data(contentsOf: FixtureFiles.hymba15BConfig), path: "hymba-1.5b-base.json")
        let choice = AblationDefaults.choose(config: big, tokenCounts: domains)
        print("1.5B defaults on the bundled domains: branches \(choice.branchPassages), heads \(choice.headPassages) per domain, \(Int(choice.referenceSeconds)) s at the reference speed")
        XCTAssertEqual(choice.headPassages, 0)
        XCTAssertGreaterThan(choice.branchPassages, 0)
        XCTAssertLessThanOrEqual(choice.referenceSeconds, AblationDefaults.budgetSeconds)
        let more = AblationDefaults.choose(config: big, tokenCounts: domains.map { $0 + $0 })
        XCTAssertLessThan(more.branchPassages, choice.branchPassages, "longer prompt sets leave less room for ablations")
    }
}
