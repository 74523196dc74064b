import Foundation
import XCTest
@testable import HymbaKit

/// The chat file format: a list of messages or an object with messages, tools, contexts and
/// documents; what is kept (key order, extra keys) and what is refused, with the JSON path.
final class ChatFileTests: XCTestCase {
    private func parse(_ json: String) throws -> ChatFile {
        try ChatFile(data: Data(json.utf8), source: "chat.json")
    }

    private func reason(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(json)
            XCTFail("expected \(json) to be refused", file: file, line: line)
        } catch let ChatError.invalidChatFile(source, reason) {
            XCTAssertEqual(source, "chat.json", file: file, line: line)
            return reason
        } catch {
            XCTFail("not an invalidChatFile error: \(error)", file: file, line: line)
        }
        return ""
    }

    func testAListOfMessagesAndTheObjectFormBothWork() throws {
        let list = try parse(#"[{"role": "user", "content": "Hi"}]"#)
        XCTAssertEqual(list.messages, [ChatMessage(role: "user", content: "Hi")])
        XCTAssertFalse(list.hasTools)
        XCTAssertFalse(list.hasContexts)
        let object = try parse(#"{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}], "tools": [{"name": "f"}], "contexts": ["c"], "documents": [{"title": "t"}]}"#)
        XCTAssertEqual(object.messages.map(\.role), ["system", "user"])
        XCTAssertTrue(object.hasTools)
        XCTAssertTrue(object.hasContexts)
    }

    /// The template sees the file's keys in file order, extra keys included; a key given twice
    /// keeps its first place and its last value, as Python's json module does.
    func testTheTemplateSeesTheFileAsWritten() throws {
        let chat = try parse(#"{"messages": [{"role": "user", "content": "Hi", "zeta": 1, "alpha": {"y": [1, 2.0, null], "x": true}, "zeta": 3}], "tools": [{"b": 1, "a": "ü"}]}"#)
        let template = try ChatTemplate(source: "{{ messages[0]|tojson }} {{ tools|tojson }} {{ documents is none }} {{ contexts is defined }}")
        XCTAssertEqual(try template.render(chat, addGenerationPrompt: false),
                       #"{"role": "user", "content": "Hi", "zeta": 3, "alpha": {"y": [1, 2.0, null], "x": true}} [{"b": 1, "a": "ü"}] True False"#)
    }

    func testTheRenderSeesTheSpecialTokensAndTheGenerationFlag() throws {
        let template = try ChatTemplate(source: "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools }}",
                                        specialTokens: ["bos_token": "<s>", "eos_token": "</s>"])
        let chat = ChatFile(messages: [ChatMessage(role: "user", content: "x")])
        XCTAssertEqual(try template.render(chat, addGenerationPrompt: true), "<s>|</s>|True|None")
    }

    func testBadFilesAreRefusedNamingThePath() {
        XCTAssertEqual(reason("{\"messages\": [}"), "not valid JSON: unexpected character at byte offset 14")
        XCTAssertEqual(reason(""), "not valid JSON: unexpected end of input at byte offset 0")
        XCTAssertEqual(reason("42"), "a chat file is a list of messages or an object with \"messages\", not a number")
        XCTAssertEqual(reason(#"{"tools": []}"#), "the object has no \"messages\" list")
        XCTAssertEqual(reason(#"{"messages": [], "tool": []}"#), "unknown key 'tool' (a chat file object has messages, and optionally tools, contexts and documents)")
        XCTAssertEqual(reason(#"{"messages": "hi"}"#), "messages should be a list of messages, not a string")
        XCTAssertEqual(reason("[]"), "the chat has no messages")
        XCTAssertEqual(reason(#"["hi"]"#), "messages[0] should be an object with \"role\" and \"content\", not a string")
        XCTAssertEqual(reason(#"[{"content": "x"}]"#), "messages[0] has no \"role\"")
        XCTAssertEqual(reason(#"[{"role": 1, "content": "x"}]"#), "messages[0].role should be a string, not a number")
        XCTAssertEqual(reason(#"[{"role": "user", "content": "a"}, {"role": "asistant", "content": "b"}]"#),
                       "messages[1].role is 'asistant', a role the chat template does not render (known roles: system, user, assistant, tool)")
        XCTAssertEqual(reason(#"[{"role": "user"}]"#), "messages[0] has no \"content\"")
        XCTAssertEqual(reason(#"[{"role": "user", "content": null}]"#), "messages[0].content should be a string, not null")
        XCTAssertEqual(reason(#"{"messages": [{"role": "user", "content": "x"}], "tools": {}}"#), "tools should be a list of tool schemas, not an object")
        XCTAssertEqual(reason(#"{"messages": [{"role": "user", "content": "x"}], "tools": ["f"]}"#), "tools[0] should be an object (a JSON schema), not a string")
        XCTAssertEqual(reason(#"{"messages": [{"role": "user", "content": "x"}], "contexts": ["a", 2]}"#), "contexts[1] should be a string, not a number")
        XCTAssertEqual(reason(#"[{"role": "user", "content": "x", "n": 123456789012345678901}]"#),
                       "the integer 123456789012345678901 at messages[0].n (beyond 64 bits) is not supported")
    }

    func testOtherRolesCanBeAllowed() throws {
        let chat = try ChatFile(data: Data(#"[{"role": "ipython", "content": "x"}]"#.utf8), roles: ["ipython"])
        XCTAssertEqual(chat.messages.first?.role, "ipython")
    }

    func testReadingAMissingFileNamesIt() {
        XCTAssertThrowsError(try ChatFile.read(path: "/nonexistent/chat.json")) { error in
            XCTAssertEqual(error as? ChatError, .unreadableChatFile(path: "/nonexistent/chat.json", reason: "no such file"))
        }
    }

    /// Arbitrary bytes — mutations of a valid chat file — parse or fail with a ChatError, and
    /// whatever parses renders through tojson without trouble.
    func testMutatedFilesFailCleanly() throws {
        let valid = Array(#"{"messages": [{"role": "user", "content": "hi \u00e9", "x": {"a": [1, -2.5e3, {"b": null}]}}], "tools": [{"a": true}], "contexts": ["c"]}"#.utf8)
        let alphabet = Array("{}[]\",:0123456789.eE-+ntrufals\\u \u{7F}".utf8)
        let template = try ChatTemplate(source: "{{ messages|tojson }}{{ tools|tojson(indent=2) }}{% for m in messages %}{{ m }}{% endfor %}{{ contexts }}")
        var generator = TemplateMutationGenerator(seed: 11)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<(1 + generator.next(3)) {
                let position = generator.next(bytes.count)
                switch generator.next(3) {
                case 0: bytes.remove(at: position)
                case 1: bytes.insert(UInt8(generator.next(256)), at: position)
                default: bytes[position] = alphabet[generator.next(alphabet.count)]
                }
            }
            guard let chat = try? ChatFile(data: Data(bytes)) else { continue }
            parsed += 1
            XCTAssertNoThrow(try template.render(chat, addGenerationPrompt: false))
        }
        XCTAssertGreaterThan(parsed, 100)
        // Deep nesting in a chat file is bounded by the JSON parser.
        let deep = "[{\"role\": \"user\", \"content\": \"x\", \"n\": " + String(repeating: "[", count: 100_000) + "}]"
        XCTAssertThrowsError(try parse(deep))
    }
}
