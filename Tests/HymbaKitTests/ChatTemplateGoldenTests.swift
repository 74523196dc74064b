import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// Hymba's real chat template (from the tokenizer fixture's tokenizer_config.json) against what
/// Hugging Face transformers 4.46.3 `apply_chat_template` gives (Tests/Fixtures/chat): every
/// case's rendered text and token ids, exactly.
final class ChatTemplateGoldenTests: XCTestCase {
    struct GoldenCase {
        /// The case's messages, tools and contexts as a chat file object, key order kept.
        let chat: JSONValue
        let addGenerationPrompt: Bool
        let text: String
        let ids: [Int]
    }

    /// The cases, read with the order-keeping JSON parser: `tojson` must see the tools' keys in
    /// the file's order, which a Swift dictionary would lose.
    static func goldenCases() throws -> [GoldenCase] {
        let url = try FixtureFiles.required(FixtureFiles.chat.appendingPathComponent("golden.json"))
        guard case let .object(root) = try JSONValue(parsing: [UInt8](Data(contentsOf: url))),
              case let .array(cases)? = root.first(where: { $0.key == "cases" })?.value else {
            throw XCTSkip("golden.json has no cases list")
        }
        return try cases.map { entry in
            guard case let .object(members) = entry else { throw ChatError.invalidChatFile(source: "golden.json", reason: "a case is not an object") }
            func member(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
            guard case let .bool(flag)? = member("add_generation_prompt"),
                  case let .string(text)? = member("text"),
                  case let .array(idValues)? = member("ids") else {
                throw ChatError.invalidChatFile(source: "golden.json", reason: "a case lacks add_generation_prompt, text or ids")
            }
            let ids = idValues.compactMap { value -> Int? in
                if case let .integer(id) = value { return id }
                return nil
            }
            let chatMembers = members.filter { ["messages", "tools", "contexts"].contains($0.key) }
            return GoldenCase(chat: .object(chatMembers), addGenerationPrompt: flag, text: text, ids: ids)
        }
    }

    private func template() throws -> ChatTemplate {
        try ChatTemplate(directory: FixtureFiles.tokenizer)
    }

    func testTheGoldenFileCoversTheTemplatesBranches() throws {
        let cases = try Self.goldenCases()
        XCTAssertEqual(cases.count, 12)
        let chats = try cases.map { try ChatFile(json: $0.chat, source: "golden.json") }
        XCTAssertTrue(chats.contains { $0.hasTools })
        XCTAssertTrue(chats.contains { $0.hasContexts })
        XCTAssertEqual(Set(chats.flatMap { $0.messages.map(\.role) }), Set(ChatFile.knownRoles))
        XCTAssertEqual(Set(cases.map(\.addGenerationPrompt)), [true, false])
    }

    func testEveryCaseRendersTheGoldenText() throws {
        let template = try template()
        for (index, golden) in try Self.goldenCases().enumerated() {
            let chat = try ChatFile(json: golden.chat, source: "golden.json case \(index)")
            let text = try template.render(chat, addGenerationPrompt: golden.addGenerationPrompt)
            assertSameScalars(text, golden.text, "case \(index)")
        }
    }

    func testEveryCaseTokenizesToTheGoldenIDsWithoutBOS() throws {
        let template = try template()
        let tokenizer = try TokenizerFixtures.hymba()
        for (index, golden) in try Self.goldenCases().enumerated() {
            let chat = try ChatFile(json: golden.chat, source: "golden.json case \(index)")
            let rendered = try template.encode(chat, addGenerationPrompt: golden.addGenerationPrompt, tokenizer: tokenizer)
            XCTAssertEqual(rendered.ids, golden.ids, "case \(index)")
            XCTAssertNotEqual(rendered.ids.first, tokenizer.bosTokenID, "case \(index): no BOS is added")
        }
    }

    /// The bundled model ships the same tokenizer files, so `--chat` works on it too.
    func testTheBundledModelCarriesTheSameTemplate() throws {
        let bundled = try ChatTemplate(directory: FixtureFiles.bundledModel)
        XCTAssertEqual(Array(bundled.source.unicodeScalars), Array(try template().source.unicodeScalars))
        XCTAssertEqual(bundled.specialTokens["bos_token"], "<s>")
        XCTAssertEqual(bundled.specialTokens["pad_token"], "[PAD]")
    }
}
