import Foundation
import TestFixtures
import XCTest

/// `hymba-lens tokenize` end to end: its output is a public contract, checked here against the
/// Hugging Face goldens in ../shared/fixtures/tokenizer, for every way of giving input.
final class TokenizeCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("tokenize") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let tokens: [String]
        let decoded: String
        let decoded_with_special: String
    }

    private var cases: [Case] {
        get throws {
            let url = try FixtureFiles.required(FixtureFiles.tokenizer.appendingPathComponent("golden.json"))
            return try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        }
    }

    private func object(_ result: CLI.Result) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
    }

    /// --json on the command line, from a file and from standard input give the golden ids and
    /// tokens; decoding them (with and without specials, as a list and from a file) gives the
    /// golden text.
    func testEveryInputFormMatchesTheGoldens() throws {
        let model = CLI.bundledModel.path
        // Every 7th golden case (plain text, special tokens, byte fallback, whitespace runs …):
        // each runs 7 processes, and the library tests already cover every case.
        let all = try cases
        for index in Swift.stride(from: 0, to: all.count, by: 7) {
            let golden = all[index]
            let file = directory.appendingPathComponent("case\(index).txt")
            try Data(golden.text.utf8).write(to: file)
            for encoded in [try object(CLI.run(["tokenize", "--model", model, "--json", "--", golden.text])),
                            try object(CLI.run(["tokenize", "--model", model, "--json", "--text-file", file.path])),
                            try object(CLI.run(["tokenize", "--model", model, "--json", "--text-file", "-"], stdin: Data(golden.text.utf8)))] {
                XCTAssertEqual(encoded["ids"] as? [Int], golden.ids, golden.text)
                XCTAssertEqual(encoded["tokens"] as? [String], golden.tokens, golden.text)
            }
            let list = golden.ids.map(String.init).joined(separator: ",")
            XCTAssertEqual(try object(CLI.run(["tokenize", "--model", model, "--json", "--decode", list]))["text"] as? String, golden.decoded)
            XCTAssertEqual(try object(CLI.run(["tokenize", "--model", model, "--json", "--keep-special", "--decode", list]))["text"] as? String,
                           golden.decoded_with_special)
            let idFile = directory.appendingPathComponent("ids\(index).txt")
            try Data(golden.ids.map(String.init).joined(separator: index % 2 == 0 ? "\n" : ", ").utf8).write(to: idFile)
            XCTAssertEqual(try object(CLI.run(["tokenize", "--model", model, "--json", "--decode-file", idFile.path]))["text"] as? String,
                           golden.decoded)
        }
    }

    func testPlainOutput() throws {
        let result = try CLI.run(["tokenize", "--model", CLI.bundledModel.path, "Hello world"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "ids: 1,15043,3186\ntokens: <s> ▁Hello ▁world\n")
    }

    func testBadRequestsFail() throws {
        let model = CLI.bundledModel.path
        let latin1 = directory.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9]).write(to: latin1)
        let cases: [([String], Data?, String)] = [
            (["tokenize", "--model", model, "a", "--decode", "1"], nil, "exactly one of"),
            (["tokenize", "--model", model, "--keep-special", "a"], nil, "--keep-special only applies"),
            (["tokenize", "--model", model, "--text-file", latin1.path], nil, "not valid UTF-8"),
            (["tokenize", "--model", model, "--text-file", "-"], Data([0xFF]), "standard input is not valid UTF-8"),
            (["tokenize", "--model", model, "--decode", "1,32001"], nil, "32001"),
            (["tokenize", "--model", model, "--decode-file", "-"], Data("1 2 x".utf8), "'x' is not a token id"),
            (["tokenize", "--model", directory.path, "a"], nil, "tokenizer.json"),
        ]
        for (arguments, input, fragment) in cases {
            let result = try CLI.run(arguments, stdin: input)
            XCTAssertNotEqual(result.status, 0, "\(arguments) succeeded")
            XCTAssertTrue(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(arguments) printed output")
        }
    }
}
