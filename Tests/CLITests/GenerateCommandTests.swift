import Foundation
import HymbaKit
import TestFixtures
import XCTest

/// `hymba-lens generate` end to end on the bundled model.
final class GenerateCommandTests: XCTestCase {
    private func json(_ result: CLI.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one JSON line: \(result.stdout)", file: file, line: line)
        return try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
    }

    /// Greedy decoding through the CLI gives the library's tokens, which are the reference's
    /// (the hymba-tiny decode golden), and the same text it streams without --json.
    func testGreedyIDsEqualTheLibraryAndTheReference() throws {
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: FixtureFiles.required(
            FixtureFiles.decode.appendingPathComponent("hymba-tiny/decode.json")))) as! [String: Any]
        let prompt = golden["prompt_ids"] as! [Int], reference = golden["generated_ids"] as! [Int]
        let ids = prompt.map(String.init).joined(separator: ",")
        let output = try json(CLI.run(["generate", "--ids", ids, "--max-new-tokens", "\(reference.count)", "--ignore-eos", "--json"]))
        XCTAssertEqual(Set(output.keys), ["prompt_ids", "generated_ids", "text"])
        XCTAssertEqual(output["prompt_ids"] as? [Int], prompt)
        XCTAssertEqual(output["generated_ids"] as? [Int], reference)

        let model = try HymbaModel(checkpoint: Checkpoint(directory: CLI.bundledModel))
        let library = try model.generate(prompt: prompt, maxNewTokens: 12, sampler: TokenSampler(.greedy), stopToken: nil)
        XCTAssertEqual(library.generatedIDs, Array(reference.prefix(12)))

        let tokenizer = try Tokenizer(directory: CLI.bundledModel)
        XCTAssertEqual(output["text"] as? String, tokenizer.decode(reference))
        let streamed = try CLI.run(["generate", "--ids", ids, "--max-new-tokens", "\(reference.count)", "--ignore-eos"])
        XCTAssertEqual(streamed.status, 0, streamed.stderr)
        XCTAssertEqual(streamed.stdout, tokenizer.decode(reference) + "\n")
        XCTAssertTrue(streamed.stderr.contains("tokens/s"), streamed.stderr)
    }

    func testSamplingIsReproducibleWithASeed() throws {
        let base = ["generate", "--text", "The river", "--max-new-tokens", "12", "--ignore-eos", "--temperature", "1.5", "--json"]
        let first = try json(CLI.run(base + ["--seed", "7"]))
        let again = try json(CLI.run(base + ["--seed", "7"]))
        XCTAssertEqual(first["generated_ids"] as? [Int], again["generated_ids"] as? [Int])
        // Different seeds give different samples (at T = 1.5 over 12 tokens, equal draws would be a bug).
        let other = try json(CLI.run(base + ["--seed", "8"]))
        XCTAssertNotEqual(first["generated_ids"] as? [Int], other["generated_ids"] as? [Int])
        // top-k 1 is greedy whatever the seed.
        let greedy = try json(CLI.run(["generate", "--text", "The river", "--max-new-tokens", "12", "--ignore-eos", "--json"]))
        let topOne = try json(CLI.run(base + ["--seed", "3", "--top-k", "1"]))
        XCTAssertEqual(topOne["generated_ids"] as? [Int], greedy["generated_ids"] as? [Int])
    }

    func testOutWritesStepLogits() throws {
        let directory = try CLI.temporaryDirectory("generate-out")
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("gen.safetensors")
        let output = try json(CLI.run(["generate", "--ids", "1,450,4996", "--max-new-tokens", "5", "--ignore-eos", "--json", "--out", out.path]))
        let generated = output["generated_ids"] as! [Int]
        let recording = try Recording(contentsOf: out)
        let logits = try XCTUnwrap(recording.tensor("step_logits"))
        XCTAssertEqual(logits.shape, [5, 32001])
        for (k, id) in generated.enumerated() {
            let row = Array(logits.floats[(k * 32001)..<((k + 1) * 32001)])
            XCTAssertEqual(TokenSampler.argmax(row), id, "row \(k) chose token \(k)")
        }
        XCTAssertEqual(recording.tensor("input_ids")?.shape, [3])
        XCTAssertNil(recording.tensor("layers.0.attn_weights"))

        let withAttention = directory.appendingPathComponent("attn.safetensors")
        _ = try json(CLI.run(["generate", "--ids", "1,450,4996", "--max-new-tokens", "5", "--ignore-eos", "--json",
                              "--out", withAttention.path, "--record", "attn_weights@0,last"]))
        let recorded = try Recording(contentsOf: withAttention)
        // H = 4 heads, 5 rows, P = 32 meta + 3 prompt + 4 fed-back tokens.
        XCTAssertEqual(recorded.tensor("layers.0.attn_weights")?.shape, [4, 5, 39])
        XCTAssertEqual(recorded.tensor("layers.5.attn_weights")?.shape, [4, 5, 39])
        XCTAssertNil(recorded.tensor("layers.1.attn_weights"))
        XCTAssertEqual(recorded.manifest.plan, "step_logits,layers.0.attn_weights,layers.5.attn_weights")
        XCTAssertTrue(FileManager.default.fileExists(atPath: Recording.manifestURL(for: out).path))
    }

    func testBadOptionsAndBadChatFilesFailClearlyWithoutOutput() throws {
        let directory = try CLI.temporaryDirectory("generate-errors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let notJSON = directory.appendingPathComponent("not.json")
        try Data("[{\"role\": \"user\", ".utf8).write(to: notJSON)
        let badRole = directory.appendingPathComponent("role.json")
        try Data(#"[{"role": "user", "content": "a"}, {"role": "asistant", "content": "b"}]"#.utf8).write(to: badRole)
        let out = directory.appendingPathComponent("gen.safetensors")
        let cases: [([String], String)] = [
            (["--chat", notJSON.path, "--max-new-tokens", "4", "--out", out.path], "not valid JSON"),
            (["--chat", badRole.path, "--max-new-tokens", "4", "--out", out.path], "messages[1].role is 'asistant'"),
            (["--ids", "1", "--max-new-tokens", "0"], "--max-new-tokens must be in 1..."),
            (["--ids", "1", "--max-new-tokens", "9000"], "max_position_embeddings"),
            (["--ids", "1", "--max-new-tokens", "4", "--temperature", "0"], "--temperature must be a finite number > 0"),
            (["--ids", "1", "--max-new-tokens", "4", "--temperature", "1", "--top-p", "0"], "--top-p must be in (0, 1]"),
            (["--ids", "1", "--max-new-tokens", "4", "--temperature", "1", "--top-p", "1.5"], "--top-p must be in (0, 1]"),
            (["--ids", "1", "--max-new-tokens", "4", "--temperature", "1", "--top-k", "0"], "--top-k must be at least 1"),
            (["--ids", "1", "--max-new-tokens", "4", "--top-k", "5"], "--top-k only applies when sampling"),
            (["--ids", "1", "--max-new-tokens", "4", "--out", out.path, "--record", "attn_probs"], "not supported yet"),
            (["--ids", "1", "--max-new-tokens", "4", "--out", out.path, "--record", "attn_weights@9"], "layer 9 is out of range"),
            (["--ids", "1", "--max-new-tokens", "4", "--record", "attn_weights"], "--record needs --out"),
            (["--ids", "1,99999", "--max-new-tokens", "4"], "99999"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(["generate"] + arguments)
            assertFails(result, mentioning: fragment)
            XCTAssertEqual(result.stdout, "", "\(arguments) printed output")
        }
        XCTAssertEqual(CLI.contents(of: directory).sorted(), ["not.json", "role.json"])
    }
}
