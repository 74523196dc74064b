import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// The interpreter against real Jinja2: every case of Tests/Fixtures/jinja/cases.json was
/// rendered by Jinja2 configured as Hugging Face configures it for chat templates
/// (scripts/make-jinja-cases.py records the version and the settings). Each case must give
/// Jinja2's text exactly, or fail where Jinja2 failed — never print something instead.
final class ChatTemplateJinjaCasesTests: XCTestCase {
    struct JinjaCase {
        let name: String
        let template: String
        let variables: [String: TemplateValue]
        /// nil when Jinja2 raised `error`.
        let text: String?
        let error: String?
    }

    static func cases() throws -> [JinjaCase] {
        let url = try FixtureFiles.required(FixtureFiles.jinja.appendingPathComponent("cases.json"))
        guard case let .object(root) = try JSONValue(parsing: [UInt8](Data(contentsOf: url))),
              case let .array(entries)? = root.first(where: { $0.key == "cases" })?.value else {
            throw ChatError.invalidChatFile(source: url.path, reason: "no cases list")
        }
        return try entries.map { entry in
            guard case let .object(members) = entry else { throw ChatError.invalidChatFile(source: url.path, reason: "a case is not an object") }
            func member(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
            guard case let .string(name)? = member("name"), case let .string(template)? = member("template"),
                  case let .object(variableMembers)? = member("variables") else {
                throw ChatError.invalidChatFile(source: url.path, reason: "a case lacks name, template or variables")
            }
            var variables: [String: TemplateValue] = [:]
            for variable in variableMembers { variables[variable.key] = try TemplateJSON.value(from: variable.value) }
            var text: String?, error: String?
            if case let .string(value)? = member("text") { text = value }
            if case let .string(value)? = member("error") { error = value }
            return JinjaCase(name: name, template: template, variables: variables, text: text, error: error)
        }
    }

    func testTheCasesCoverTextAndErrors() throws {
        let cases = try Self.cases()
        XCTAssertGreaterThan(cases.count, 100)
        XCTAssertGreaterThan(cases.filter { $0.error != nil }.count, 20)
    }

    func testEveryCaseMatchesJinja() throws {
        for jinja in try Self.cases() {
            let result = Result { () throws -> String in
                try ChatTemplate(source: jinja.template).render(context: jinja.variables)
            }
            switch (result, jinja.text) {
            case let (.success(text), expected?):
                XCTAssertTrue(text.unicodeScalars.elementsEqual(expected.unicodeScalars),
                              "\(jinja.name):\n got: \(text.debugDescription)\nwant: \(expected.debugDescription)")
            case let (.failure(error), expected?):
                XCTFail("\(jinja.name): failed with \(error), Jinja2 gives \(expected.debugDescription)")
            case let (.success(text), nil):
                XCTFail("\(jinja.name): rendered \(text.debugDescription), Jinja2 fails with \(jinja.error ?? "")")
            case let (.failure(error), nil):
                XCTAssertTrue(error is ChatError, "\(jinja.name): \(error)")
            }
        }
    }
}
