import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// Checkpoint folders: configs, shards, tied heads, missing and misshapen tensors.
final class CheckpointTests: XCTestCase {
    var directory: URL!
    let fixture = Fixtures.parity.appendingPathComponent("tiny-bf16")

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testRealHymbaConfigIsAccepted() throws {
        let config = try HymbaConfig(contentsOf: FixtureFiles.required(FixtureFiles.hymba15BConfig))
        XCTAssertEqual(config.hiddenSize, 1600)
        XCTAssertEqual(config.headDim, 64)
        XCTAssertEqual(config.valueHeadDim, 128)         // E / H, not the stored v_head_dim
        XCTAssertEqual(config.dtRank, 100)
        XCTAssertEqual(config.kvRole(layer: 17), .consumer(producer: 16))
        XCTAssertEqual(config.kvRole(layer: 16), .producer(consumers: [17, 18]))
        XCTAssertEqual(config.kvRole(layer: 0), .own)
        XCTAssertTrue(config.isGlobal(layer: 15))
        XCTAssertFalse(config.isGlobal(layer: 14))
        XCTAssertEqual(config.ropeBase, 74534.83, accuracy: 0.01)      // the real RoPE base (docs/forward.md)
    }

    private func configData(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.appendingPathComponent("config.json"))) as! [String: Any]
        edit(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    func testConfigErrorsNameTheKeyAndValue() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("'hidden_size' is missing", { $0.removeValue(forKey: "hidden_size") }),
            ("'num_attention_heads' = 5", { $0["num_attention_heads"] = 5 }),
            ("'kq_norm' = null", { $0["kq_norm"] = NSNull() }),
            ("'rms_norm_eps' = -1", { $0["rms_norm_eps"] = -1 }),
            ("'sliding_window' = \"wide\"", { $0["sliding_window"] = "wide" }),
            ("'global_attn_idx'", { $0["global_attn_idx"] = [0, 9] }),
            ("'kv_reuse_group'", { $0["kv_reuse_group"] = [[2, 1]] }),
            ("'num_experts' = 4", { $0["num_experts"] = 4 }),
            ("'mamba_dt_rank' = \"big\"", { $0["mamba_dt_rank"] = "big" }),
            ("'rope_type' = \"dynamic_ntk\"", { $0["rope_type"] = "dynamic_ntk" }),
            // Sizes whose products would overflow (d_inner = expand · D) are refused by name first.
            ("'hidden_size' = 4611686018427387904", { $0["hidden_size"] = 1 << 62; $0["mamba_expand"] = 4 }),
            ("'mamba_expand' = 1099511627776", { $0["mamba_expand"] = 1 << 40 }),
            ("'vocab_size' = 16777217", { $0["vocab_size"] = (1 << 24) + 1 }),
            ("'num_memory_tokens' = -3", { $0["num_memory_tokens"] = -3 }),
            ("'sliding_window' = 99999999999", { $0["sliding_window"] = 99_999_999_999 }),
        ]
        for (expected, edit) in cases {
            XCTAssertThrowsError(try HymbaConfig(json: configData(edit)), expected) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
        XCTAssertThrowsError(try HymbaConfig(json: Data("[1,2]".utf8))) { error in
            XCTAssertTrue("\(error)".contains("cannot parse"))
        }
    }

    /// A config.json past its size limit is refused by its size, never read into memory (the
    /// file here is sparse: 65 MiB of holes cost no disk).
    func testOversizedConfigIsRefusedBeforeReading() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("big-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("config.json")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data("{".utf8)))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(FileSizeLimit.json) + 1)
        try handle.close()
        XCTAssertThrowsError(try Checkpoint(directory: folder)) {
            XCTAssertEqual($0 as? FileTooLarge, FileTooLarge(path: url.path, bytes: FileSizeLimit.json + 1, limit: FileSizeLimit.json))
        }
    }

    func testDtRankAutoAndDefaults() throws {
        let config = try HymbaConfig(json: configData {
            $0["mamba_dt_rank"] = "auto"
            $0.removeValue(forKey: "num_key_value_heads")
        })
        XCTAssertEqual(config.dtRank, 4)                 // ceil(64 / 16)
        XCTAssertEqual(config.keyValueHeads, config.attentionHeads)
    }

    private func copyFixture(config: Data? = nil) throws {
        try FileManager.default.copyItem(at: fixture.appendingPathComponent("model.safetensors"),
                                         to: directory.appendingPathComponent("model.safetensors"))
        try (config ?? Data(contentsOf: fixture.appendingPathComponent("config.json")))
            .write(to: directory.appendingPathComponent("config.json"))
    }

    func testMissingTensorIsNamed() throws {
        // A config with one more layer than the weights: layer 4's tensors are missing.
        try copyFixture(config: configData { $0["num_hidden_layers"] = 5 })
        XCTAssertThrowsError(try HymbaWeights(checkpoint: Checkpoint(directory: directory))) { error in
            XCTAssertEqual(error as? CheckpointError,
                           .missingTensor(name: "model.layers.4.mamba.A_log.0", checkpoint: self.directory.path))
        }
    }

    func testWrongTensorShapeIsNamed() throws {
        try copyFixture(config: configData { $0["intermediate_size"] = 100 })
        XCTAssertThrowsError(try HymbaWeights(checkpoint: Checkpoint(directory: directory))) { error in
            XCTAssertEqual(error as? CheckpointError,
                           .wrongShape(name: "model.layers.0.moe.experts.0.gate_proj.weight", expected: [100, 64], found: [96, 64]))
        }
    }

    func testUntiedHeadMustBePresent() throws {
        try copyFixture(config: configData { $0["tie_word_embeddings"] = false })
        XCTAssertThrowsError(try HymbaWeights(checkpoint: Checkpoint(directory: directory))) { error in
            XCTAssertTrue("\(error)".contains("lm_head.weight"))
        }
    }

    func testFolderWithoutWeights() throws {
        try Data(contentsOf: fixture.appendingPathComponent("config.json")).write(to: directory.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try Checkpoint(directory: directory)) { error in
            XCTAssertEqual(error as? CheckpointError, .noWeights(directory: self.directory.path))
        }
    }

    /// Splitting the fixture into two shards with an index gives the same logits.
    func testShardedCheckpointMatchesSingleFile() throws {
        let single = try SafeTensorsFile(path: fixture.appendingPathComponent("model.safetensors").path)
        let names = single.names
        let half = names.count / 2
        var weightMap: [String: String] = [:]
        for (shard, part) in [Array(names[..<half]), Array(names[half...])].enumerated() {
            let file = "model-0000\(shard + 1)-of-00002.safetensors"
            try SafeTensorsWriter.write(part.map { ($0, Tensor(shape: single.tensors[$0]!.shape, floats: try single.floats($0))) },
                                        to: directory.appendingPathComponent(file))
            for name in part { weightMap[name] = file }
        }
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": weightMap])
            .write(to: directory.appendingPathComponent("model.safetensors.index.json"))
        try Data(contentsOf: fixture.appendingPathComponent("config.json")).write(to: directory.appendingPathComponent("config.json"))

        let ids = try Fixtures.prompts(of: fixture)[0].ids
        let sharded = try HymbaModel(checkpoint: Checkpoint(directory: directory)).forward(ids: ids)
        let reference = try HymbaModel(checkpoint: Checkpoint(directory: fixture)).forward(ids: ids)
        XCTAssertEqual(sharded, reference)
    }

    func testShardIndexMustNotEscapeTheFolder() throws {
        try JSONSerialization.data(withJSONObject: ["weight_map": ["a": "../elsewhere.safetensors"]])
            .write(to: directory.appendingPathComponent("model.safetensors.index.json"))
        try Data(contentsOf: fixture.appendingPathComponent("config.json")).write(to: directory.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try Checkpoint(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("not a file name"), "\(error)")
        }
    }

    func testPromptErrors() throws {
        let model = try HymbaModel(checkpoint: Checkpoint(directory: fixture))
        XCTAssertThrowsError(try model.forward(ids: [])) { XCTAssertEqual($0 as? ProbeError, .emptyInput) }
        XCTAssertThrowsError(try model.forward(ids: [1, 128])) {
            XCTAssertEqual($0 as? ProbeError, .tokenOutOfRange(id: 128, position: 1, vocabularySize: 128))
        }
        XCTAssertThrowsError(try model.forward(ids: [1, -3])) {
            XCTAssertEqual($0 as? ProbeError, .tokenOutOfRange(id: -3, position: 1, vocabularySize: 128))
        }
        XCTAssertThrowsError(try model.forward(ids: [Int](repeating: 5, count: 8192))) {
            XCTAssertEqual($0 as? ProbeError, .tooLong(tokens: 8196, limit: 8192))
        }
    }
}
