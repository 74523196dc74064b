import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// `--chat FILE` end to end: `tokenize --chat --json` prints the Hugging Face goldens' text and
/// ids (its output is a public contract), `trace` and `attention` run on a chat, and bad chat
/// files or templates fail with one error line and no output.
final class ChatCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("chat") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    struct GoldenChat {
        /// The chat file's bytes, keys in the golden's order (tojson output depends on it).
        let file: Data
        let addGenerationPrompt: Bool
        let text: String
        let ids: [Int]
    }

    private func goldenChats() throws -> [GoldenChat] {
        let url = try FixtureFiles.required(FixtureFiles.chat.appendingPathComponent("golden.json"))
        guard case let .object(root) = try JSONValue(parsing: [UInt8](Data(contentsOf: url))),
              case let .array(cases)? = root.first(where: { $0.key == "cases" })?.value else {
            throw XCTSkip("golden.json has no cases")
        }
        return try cases.map { entry in
            guard case let .object(members) = entry,
                  case let .bool(flag)? = members.first(where: { $0.key == "add_generation_prompt" })?.value,
                  case let .string(text)? = members.first(where: { $0.key == "text" })?.value,
                  case let .array(ids)? = members.first(where: { $0.key == "ids" })?.value else {
                throw ChatError.invalidChatFile(source: "golden.json", reason: "a case lacks its fields")
            }
            let chat = JSONValue.object(members.filter { ["messages", "tools", "contexts"].contains($0.key) })
            let json = try TemplateJSON.encode(try TemplateJSON.value(from: chat), limit: 1 << 20)
            return GoldenChat(file: Data(json.utf8), addGenerationPrompt: flag, text: text,
                              ids: ids.compactMap { if case let .integer(id) = $0 { return id } else { return nil } })
        }
    }

    private func object(_ result: CLI.Result) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
    }

    func testTokenizeChatJSONMatchesEveryGolden() throws {
        let model = CLI.bundledModel.path
        let tokenizer = try Tokenizer(directory: CLI.bundledModel)
        for (index, golden) in try goldenChats().enumerated() {
            let file = directory.appendingPathComponent("case\(index).json")
            try golden.file.write(to: file)
            var arguments = ["tokenize", "--model", model, "--json", "--chat", file.path]
            if golden.addGenerationPrompt { arguments.append("--add-generation-prompt") }
            let output = try object(CLI.run(arguments))
            XCTAssertEqual(output["ids"] as? [Int], golden.ids, "case \(index)")
            XCTAssertEqual(output["tokens"] as? [String], tokenizer.tokenStrings(golden.ids), "case \(index)")
            let text = try XCTUnwrap(output["text"] as? String, "case \(index)")
            XCTAssertTrue(text.unicodeScalars.elementsEqual(golden.text.unicodeScalars), "case \(index): \(text.debugDescription)")
            XCTAssertEqual(output.keys.sorted(), ["ids", "text", "tokens"])
        }
    }

    func testChatFromStandardInputAndPlainOutput() throws {
        let chat = Data(#"[{"role": "user", "content": "Hi"}]"#.utf8)
        let result = try CLI.run(["tokenize", "--model", CLI.bundledModel.path, "--chat", "-", "--add-generation-prompt"], stdin: chat)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4, result.stdout)
        XCTAssertTrue(lines[0].hasPrefix("ids: 529,17833,"), result.stdout)
        XCTAssertEqual(lines[2], #"text: <extra_id_0>System\n\n<extra_id_1>User\nHi\n<extra_id_1>Assistant\n"#)
    }

    /// trace records the chat's ids — the golden's, with no BOS in front.
    func testTraceRecordsTheRenderedChat() throws {
        let golden = try XCTUnwrap(try goldenChats().first { $0.addGenerationPrompt })
        let file = directory.appendingPathComponent("conversation.json")
        try golden.file.write(to: file)
        let out = directory.appendingPathComponent("rec.safetensors")
        let result = try CLI.run(["trace", CLI.bundledModel.path, "--chat", file.path, "--add-generation-prompt",
                                  "--record", "logits", "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("rec.manifest.json"))) as? [String: Any])
        let tokens = try XCTUnwrap(manifest["tokens"] as? [String: Any])
        XCTAssertEqual(tokens["ids"] as? [Int], golden.ids)
    }

    func testAttentionDrawsAChat() throws {
        let file = directory.appendingPathComponent("chat.json")
        try Data(#"[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2 + 3?"}]"#.utf8).write(to: file)
        let out = directory.appendingPathComponent("chat.png")
        let result = try CLI.run(["attention", "--chat", file.path, "--layer", "0", "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.path))
    }

    /// A model folder like the bundled one whose tokenizer_config.json has `template` as its
    /// chat template (nil: no chat template at all).
    private func modelFolder(template: String?) throws -> URL {
        let folder = directory.appendingPathComponent("model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: CLI.bundledModel.path) where name != "tokenizer_config.json" {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name),
                                                       withDestinationURL: CLI.bundledModel.appendingPathComponent(name))
        }
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: CLI.bundledModel.appendingPathComponent("tokenizer_config.json"))) as? [String: Any])
        config["chat_template"] = template
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        return folder
    }

    /// Each bad chat or template: exit status ≠ 0, one error line naming the problem, nothing on
    /// standard output, no output file.
    func testBadChatsFailCleanly() throws {
        let good = directory.appendingPathComponent("good.json")
        try Data(#"[{"role": "user", "content": "Hi"}]"#.utf8).write(to: good)
        let notJSON = directory.appendingPathComponent("not.json")
        try Data("role: user\n".utf8).write(to: notJSON)
        let badRole = directory.appendingPathComponent("role.json")
        try Data(#"[{"role": "user", "content": "a"}, {"role": "asistant", "content": "b"}]"#.utf8).write(to: badRole)
        let noContent = directory.appendingPathComponent("content.json")
        try Data(#"{"messages": [{"role": "user"}]}"#.utf8).write(to: noContent)
        let brokenTemplate = try modelFolder(template: "{% for m in messages %}{{ m.content }}")
        let refusing = try modelFolder(template: "{{ raise_exception('no tools here') if tools else '' }}{{ messages[0].content }}")
        let unsupported = try modelFolder(template: "{% include 'x' %}")
        let noTemplate = try modelFolder(template: nil)
        let withTools = directory.appendingPathComponent("tools.json")
        try Data(#"{"messages": [{"role": "user", "content": "a"}], "tools": [{"name": "f"}]}"#.utf8).write(to: withTools)
        let model = CLI.bundledModel.path
        let out = directory.appendingPathComponent("out.safetensors")

        let cases: [([String], String)] = [
            (["tokenize", "--model", model, "--chat", notJSON.path], "not.json: not valid JSON"),
            (["tokenize", "--model", model, "--chat", badRole.path], "messages[1].role is 'asistant'"),
            (["tokenize", "--model", model, "--chat", noContent.path], "messages[0] has no \"content\""),
            (["tokenize", "--model", model, "--chat", directory.appendingPathComponent("missing.json").path], "cannot read chat file"),
            (["tokenize", "--model", brokenTemplate.path, "--chat", good.path], "never closed (expected {% endfor %}"),
            (["tokenize", "--model", refusing.path, "--chat", withTools.path], "the chat template refused the chat (raise_exception at line 1 column 4): no tools here"),
            (["tokenize", "--model", unsupported.path, "--chat", good.path], "the {% include %} tag is not supported"),
            (["tokenize", "--model", noTemplate.path, "--chat", good.path], "has no chat template"),
            (["tokenize", "--model", model, "--add-generation-prompt", "Hi"], "--add-generation-prompt only applies to --chat"),
            (["tokenize", "--model", model, "--chat", good.path, "Hi"], "give exactly one of TEXT, --text-file, --chat"),
            (["trace", model, "--chat", notJSON.path, "--out", out.path], "not valid JSON"),
            (["trace", brokenTemplate.path, "--chat", good.path, "--out", out.path], "line 1 column 4"),
            (["trace", model, "--chat", good.path, "--text", "Hi", "--out", out.path], "give exactly one of --ids, --text, --text-file or --chat"),
            (["trace", model, "--ids", "1", "--add-generation-prompt", "--out", out.path], "--add-generation-prompt only applies to --chat"),
            (["attention", "--chat", badRole.path, "--layer", "0", "--out", directory.appendingPathComponent("fig.png").path], "asistant"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(arguments)
            assertFails(result, mentioning: fragment)
            XCTAssertEqual(result.stdout, "", "\(arguments) printed output")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("fig.png").path))
    }
}
