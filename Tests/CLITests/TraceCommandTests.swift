import Foundation
import TestFixtures
import XCTest

/// `hymba-lens trace/inspect/init` end to end: the public recording contract and one-line errors
/// that leave no output file behind.
final class TraceCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("trace") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testRecordAllWritesTheContractKeysAndManifest() throws {
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        let out = directory.appendingPathComponent("rec.safetensors")
        let result = try CLI.run(["trace", fixture.path, "--ids", "1,45,77,122", "--record", "all", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let manifestURL = directory.appendingPathComponent("rec.manifest.json")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        let tensors = manifest["tensors"] as! [[String: Any]]
        let shapes = Dictionary(uniqueKeysWithValues: tensors.map { ($0["name"] as! String, $0["shape"] as! [Int]) })
        let t = 4 + 4
        XCTAssertEqual(shapes["input_ids"], [4])
        XCTAssertEqual(shapes["logits"], [4, 128])
        for i in 0..<4 {
            XCTAssertEqual(shapes["layers.\(i).hidden"], [t, 64])
            XCTAssertEqual(shapes["layers.\(i).attn_probs"], [4, t, t])
            XCTAssertEqual(shapes["layers.\(i).attn_out"], [t, 128])
            XCTAssertEqual(shapes["layers.\(i).ssm_out"], [t, 128])
            XCTAssertEqual(shapes["layers.\(i).ssm_state_norm"], [t, 128])
            XCTAssertEqual(shapes["layers.\(i).ssm_final_state"], [128, 8])
        }
        XCTAssertEqual((manifest["tokens"] as! [String: Any])["ids"] as! [Int], [1, 45, 77, 122])
        XCTAssertEqual(manifest["meta_tokens"] as? Int, 4)
        XCTAssertEqual((manifest["config_sha256"] as? String)?.count, 64)
        XCTAssertEqual(CLI.contents(of: directory), ["rec.manifest.json", "rec.safetensors"])
    }

    /// Found by running every --help example in order: a trace to chat.safetensors wrote its
    /// manifest over the user's chat.json. The manifest now has its own name, and a file of the
    /// user's at that name is refused, never replaced.
    func testTheManifestNeverReplacesAUserFile() throws {
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        let chat = directory.appendingPathComponent("chat.json")
        try Data(#"{"messages": []}"#.utf8).write(to: chat)
        let first = try CLI.run(["trace", fixture.path, "--ids", "1,5", "--record", "logits", "--out", directory.appendingPathComponent("chat.safetensors").path])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try String(contentsOf: chat, encoding: .utf8), #"{"messages": []}"#)
        let theirs = directory.appendingPathComponent("notes.manifest.json")
        try Data("mine".utf8).write(to: theirs)
        let out = directory.appendingPathComponent("notes.safetensors")
        assertFails(try CLI.run(["trace", fixture.path, "--ids", "1,5", "--record", "logits", "--out", out.path]), mentioning: "not a hymba-lens manifest")
        XCTAssertEqual(try String(contentsOf: theirs, encoding: .utf8), "mine")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        let again = try CLI.run(["trace", fixture.path, "--ids", "1,5", "--record", "logits", "--out", directory.appendingPathComponent("chat.safetensors").path])
        XCTAssertEqual(again.status, 0, "an earlier recording's manifest is replaced: \(again.stderr)")
    }

    func testRecordListRecordsOnlyThoseKeys() throws {
        let out = directory.appendingPathComponent("r.safetensors")
        let result = try CLI.run(["trace", CLI.bundledModel.path, "--text", "Hello world", "--record", "logits,hidden@5", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("r.manifest.json"))) as! [String: Any]
        XCTAssertEqual((manifest["tensors"] as! [[String: Any]]).map { $0["name"] as! String }, ["logits", "layers.5.hidden"])
        XCTAssertEqual((manifest["tokens"] as! [String: Any])["strings"] as! [String], ["<s>", "▁Hello", "▁world"])
    }

    /// Each malformed input: a one-line error naming the problem, exit status ≠ 0, no output file.
    func testBadInputsFailCleanly() throws {
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        let out = directory.appendingPathComponent("out.safetensors")
        let broken = try brokenCheckpoints()
        let cases: [(arguments: [String], fragment: String)] = [
            (["trace", broken["truncated"]!.path, "--ids", "1", "--out", out.path], "truncated"),
            (["trace", broken["header-beyond-file"]!.path, "--ids", "1", "--out", out.path], "declares"),
            (["trace", broken["invalid-json"]!.path, "--ids", "1", "--out", out.path], "invalid safetensors header"),
            (["trace", broken["offsets-outside"]!.path, "--ids", "1", "--out", out.path], "outside the"),
            (["trace", broken["length-mismatch"]!.path, "--ids", "1", "--out", out.path], "byte length"),
            (["trace", broken["unsupported-dtype"]!.path, "--ids", "1", "--out", out.path], "must be F32, BF16 or F16"),
            (["trace", broken["missing-tensor"]!.path, "--ids", "1", "--out", out.path], "model.final_layernorm.weight"),
            (["trace", broken["wrong-shape"]!.path, "--ids", "1", "--out", out.path], "has shape"),
            (["trace", broken["bad-config"]!.path, "--ids", "1", "--out", out.path], "'num_key_value_heads' = 3"),
            (["trace", broken["missing-config-key"]!.path, "--ids", "1", "--out", out.path], "'vocab_size' is missing"),
            (["trace", fixture.path, "--ids", "", "--out", out.path], "--ids is empty"),
            (["trace", fixture.path, "--ids", "1,128", "--out", out.path], "128"),
            (["trace", fixture.path, "--ids", "1,x", "--out", out.path], "'x' is not a token id"),
            (["inspect", fixture.appendingPathComponent("config.json").path], "is a file, not a checkpoint folder"),
            (["trace", fixture.appendingPathComponent("model.safetensors").path, "--ids", "1", "--out", out.path], "is a file, not a checkpoint folder"),
            (["trace", fixture.path, "--ids", "1", "--record", "hidden@1-999999999999", "--out", out.path], "layer 999999999999 is out of range"),
            // Unwritable even for root: the "directory" is a regular file.
            (["trace", fixture.path, "--ids", "1", "--out", broken["truncated"]!.appendingPathComponent("model.safetensors/out.safetensors").path], "is a file, not a directory"),
            (["trace", fixture.path, "--ids", "1", "--out", directory.appendingPathComponent("out.txt").path], "extension"),
            (["trace", fixture.path, "--ids", "1", "--record", "attn_probs@9", "--out", out.path], "layer 9 is out of range"),
            (["trace", fixture.path, "--ids", "1", "--record", "nonsense", "--out", out.path], "unknown recording key 'nonsense'"),
            (["trace", fixture.path, "--ids", "1", "--ssm-attn-channels", "3,x", "--out", out.path], "--ssm-attn-channels: 'x' is not an SSM channel"),
            (["trace", fixture.path, "--ids", "1", "--record", "ssm_attn_channels", "--out", out.path], "needs the channels too"),
            (["trace", directory.appendingPathComponent("nowhere").path, "--ids", "1", "--out", out.path], "not found"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(arguments)
            assertFails(result, mentioning: fragment)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(arguments) left an output file")
        }
        XCTAssertEqual(CLI.contents(of: directory).filter { !$0.hasPrefix("broken") }, [], "nothing but the broken inputs")
    }

    func testReadOnlyDirectoryIsRefused() throws {
        guard getuid() != 0 else { throw XCTSkip("root ignores directory permissions") }
        let locked = directory.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o555])
        let result = try CLI.run(["trace", CLI.bundledModel.path, "--ids", "1", "--out", locked.appendingPathComponent("r.safetensors").path])
        assertFails(result, mentioning: "not writable")
    }

    /// Root passes every permission check, yet cannot create files in /proc: the directory is
    /// tried for real before the model runs.
    func testDirectoryThatRefusesFilesIsNamedBeforeTheModelRuns() throws {
        #if os(Linux)
        for arguments in [["trace", CLI.bundledModel.path, "--ids", "1", "--out", "/proc/r.safetensors"],
                          ["attention", "--ids", "1", "--layer", "0", "--out", "/proc/fig.png"],
                          ["sinks", "--prompts", CLI.repositoryRoot.appendingPathComponent("analyses/domains/math.txt").path, "--out", "/proc/sinks"]] {
            let result = try CLI.run(arguments)
            assertFails(result, mentioning: "directory /proc is not writable")
            XCTAssertFalse(result.stderr.contains("loading"), "\(arguments[0]) loaded the model first")
        }
        #endif
    }

    func testNonUTF8TextFileIsRefused() throws {
        let text = directory.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: text)
        let out = directory.appendingPathComponent("r.safetensors")
        assertFails(try CLI.run(["trace", CLI.bundledModel.path, "--text-file", text.path, "--out", out.path]), mentioning: "UTF-8")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testInspectDescribesLayers() throws {
        let result = try CLI.run(["inspect", CLI.bundledModel.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("9.93M"))
        XCTAssertTrue(result.stdout.contains("reuses K/V of layer 1"))
        XCTAssertTrue(result.stdout.contains("sliding W=64"))
        XCTAssertTrue(result.stdout.contains("\nblas         OpenBLAS "), "the OpenBLAS kernels and who chose them")
        let json = try CLI.run(["inspect", CLI.bundledModel.path, "--json"])
        let summary = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(summary["meta_tokens"] as? Int, 32)
        XCTAssertTrue((summary["blas"] as? String)?.contains(", core ") ?? false, json.stdout)
        XCTAssertEqual(summary["parameters"] as? Int, 9_933_960)
    }

    /// A config whose weights would not fit on the disk is refused before a byte is written.
    func testInitRefusesACheckpointLargerThanTheDisk() throws {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: FixtureFiles.required(FixtureFiles.hymba15BConfig))) as! [String: Any]
        json["hidden_size"] = 65536; json["num_attention_heads"] = 32; json["num_key_value_heads"] = 8
        let huge = directory.appendingPathComponent("huge.json")
        try JSONSerialization.data(withJSONObject: json).write(to: huge)
        let out = directory.appendingPathComponent("huge")
        assertFails(try CLI.run(["init", "--config", huge.path, "--out", out.path]), mentioning: "GB free")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testInitWritesALoadableCheckpoint() throws {
        let out = directory.appendingPathComponent("random")
        let config = try FixtureFiles.required(FixtureFiles.hymba15BConfig)
        // Shrink the real config's widths through a copy, keeping its layer layout logic.
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        json["hidden_size"] = 64; json["intermediate_size"] = 96; json["num_attention_heads"] = 4
        json["num_key_value_heads"] = 2; json["vocab_size"] = 300; json["num_memory_tokens"] = 8; json["mamba_dt_rank"] = 4
        let small = directory.appendingPathComponent("small.json")
        try JSONSerialization.data(withJSONObject: json).write(to: small)
        let result = try CLI.run(["init", "--config", small.path, "--layers", "3", "--seed", "7", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let inspect = try CLI.run(["inspect", out.path, "--json"])
        let summary = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any]
        let layers = summary["layers"] as! [[String: Any]]
        XCTAssertEqual(layers.count, 3)
        XCTAssertEqual(layers[1]["kv"] as? String, "producer")    // the real config's group [1, 2] survives the cut
        XCTAssertEqual(layers[2]["kv"] as? String, "consumer")
        XCTAssertEqual(summary["dtypes"] as? [String: Int], ["BF16": (summary["stored_bytes"] as! Int)])
        let trace = try CLI.run(["trace", out.path, "--ids", "1,2,3", "--record", "logits", "--out", directory.appendingPathComponent("r.safetensors").path])
        XCTAssertEqual(trace.status, 0, trace.stderr)
        // The cut keeps layers and cannot invent any: N beyond the config's layers is refused.
        assertFails(try CLI.run(["init", "--config", small.path, "--layers", "33", "--out", directory.appendingPathComponent("more").path]),
                    mentioning: "between 1 and the config's 32")
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as! [String: Any]
        XCTAssertEqual(written["num_hidden_layers"] as? Int, 3)
        if let kinds = written["layer_type"] as? [Any] { XCTAssertEqual(kinds.count, 3, "layer_type cut to the layers kept") }
    }

    /// Checkpoint folders with one defect each, made from the tiny-bf16 fixture.
    private func brokenCheckpoints() throws -> [String: URL] {
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16")
        let config = try Data(contentsOf: fixture.appendingPathComponent("config.json"))
        let weights = try Data(contentsOf: fixture.appendingPathComponent("model.safetensors"))
        let headerLength = Int(weights.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = String(decoding: weights[8..<(8 + headerLength)], as: UTF8.self)
        let data = weights[(8 + headerLength)...]

        func file(header: String, data: Data) -> Data {
            var bytes = Data()
            let length = UInt64(header.utf8.count)
            for i in 0..<8 { bytes.append(UInt8((length >> (8 * UInt64(i))) & 0xff)) }
            return bytes + Data(header.utf8) + data
        }
        func edited(_ edit: (inout [String: Any]) -> Void) throws -> Data {
            var json = try JSONSerialization.jsonObject(with: config) as! [String: Any]
            edit(&json)
            return try JSONSerialization.data(withJSONObject: json)
        }
        // Rewrites one tensor's header entry (keeps the JSON well-formed).
        func entry(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
            var json = try JSONSerialization.jsonObject(with: Data(header.utf8)) as! [String: Any]
            var value = json[name] as! [String: Any]
            edit(&value)
            json[name] = value
            return String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        }
        let variants: [String: (config: Data, weights: Data)] = [
            "truncated": (config, weights.prefix(5)),
            "header-beyond-file": (config, { var w = weights; w[5] = 0x7f; return w }()),
            "invalid-json": (config, file(header: String(header.dropLast(3)) + "   ", data: data)),
            "offsets-outside": (config, file(header: try entry("model.final_layernorm.weight") { $0["data_offsets"] = [0, 10_000_000] }, data: data)),
            "length-mismatch": (config, file(header: try entry("model.final_layernorm.weight") { $0["shape"] = [65] }, data: data)),
            "unsupported-dtype": (config, file(header: try entry("model.final_layernorm.weight") { $0["dtype"] = "I16" }, data: data)),
            "missing-tensor": (config, file(header: try entry("model.final_layernorm.weight") { _ in }
                .replacingOccurrences(of: "\"model.final_layernorm.weight\"", with: "\"unused.final_layernorm.weight\""), data: data)),
            "wrong-shape": (config, file(header: try entry("model.final_layernorm.weight") { $0["shape"] = [32, 2] }, data: data)),
            "bad-config": (try edited { $0["num_key_value_heads"] = 3 }, weights),
            "missing-config-key": (try edited { $0.removeValue(forKey: "vocab_size") }, weights),
        ]
        var out: [String: URL] = [:]
        for (name, variant) in variants {
            let folder = directory.appendingPathComponent("broken-\(name)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try variant.config.write(to: folder.appendingPathComponent("config.json"))
            try variant.weights.write(to: folder.appendingPathComponent("model.safetensors"))
            out[name] = folder
        }
        return out
    }
}
