import Foundation
import XCTest
@testable import HymbaKit

/// Builds small tokenizer.json documents in the Llama layout, to be bent into broken shapes.
enum TinyTokenizer {
    static let llamaNormalizer: [String: Any] = [
        "type": "Sequence",
        "normalizers": [["type": "Prepend", "prepend": "▁"],
                        ["type": "Replace", "pattern": ["String": " "], "content": "▁"]],
    ]
    static let llamaDecoder: [String: Any] = [
        "type": "Sequence",
        "decoders": [["type": "Replace", "pattern": ["String": "▁"], "content": " "],
                     ["type": "ByteFallback"], ["type": "Fuse"],
                     ["type": "Strip", "content": " ", "start": 1, "stop": 0]],
    ]

    static func object(vocab: [String: Int] = ["<unk>": 0, "<s>": 1, "▁": 2, "a": 3, "b": 4, "▁a": 5, "ab": 6],
                       merges: [String] = ["▁ a", "a b"]) -> [String: Any] {
        [
            "version": "1.0",
            "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": [["id": 1, "content": "<s>", "single_word": false, "lstrip": false,
                              "rstrip": false, "normalized": false, "special": true]],
            "normalizer": llamaNormalizer,
            "pre_tokenizer": NSNull(),
            "post_processor": ["type": "TemplateProcessing",
                               "single": [["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
                               "pair": [] as [Any],
                               "special_tokens": ["<s>": ["id": "<s>", "ids": [1], "tokens": ["<s>"]]]],
            "decoder": llamaDecoder,
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": "<unk>", "fuse_unk": true,
                      "byte_fallback": false, "vocab": vocab, "merges": merges],
        ]
    }

    static func data(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }

    static func json(vocab: [String: Int], merges: [String]) -> String {
        String(decoding: data(object(vocab: vocab, merges: merges)), as: UTF8.self)
    }

    /// `object()` with `edit` applied to a copy of one nested dictionary.
    static func editing(_ key: String, _ edit: (inout [String: Any]) -> Void) -> [String: Any] {
        var root = object()
        var nested = root[key] as? [String: Any] ?? [:]
        edit(&nested)
        root[key] = nested
        return root
    }
}

final class TokenizerErrorTests: XCTestCase {
    /// Loads `object` and returns the error it must throw.
    private func loadError(_ object: [String: Any], config: Data? = nil, file: StaticString = #filePath, line: UInt = #line) -> TokenizerError? {
        loadError(TinyTokenizer.data(object), config: config, file: file, line: line)
    }

    private func loadError(_ data: Data, config: Data? = nil, file: StaticString = #filePath, line: UInt = #line) -> TokenizerError? {
        do {
            _ = try Tokenizer(tokenizerJSON: data, tokenizerConfigJSON: config)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let error as TokenizerError {
            XCTAssertFalse(error.description.contains("\n"), "one line: \(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("not a TokenizerError: \(error)", file: file, line: line)
            return nil
        }
    }

    func testTinyTokenizerItselfLoadsAndEncodes() throws {
        let tokenizer = try Tokenizer(tokenizerJSON: TinyTokenizer.data(TinyTokenizer.object()), tokenizerConfigJSON: nil)
        XCTAssertEqual(tokenizer.tokenStrings(tokenizer.encode("ab a")), ["<s>", "▁a", "b", "▁a"])
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("ab a")), "ab a")
        XCTAssertEqual(tokenizer.vocabularySize, 7)
        // "c" is unknown and there is no byte fallback: one fused <unk>.
        XCTAssertEqual(tokenizer.encode("acc", addSpecialTokens: false), [5, 0])
    }

    func testInvalidJSON() {
        let error = loadError(Data("{\"model\": {\"vocab\": ".utf8))
        guard case let .invalidJSON(file, offset, _)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(file, "tokenizer.json")
        XCTAssertEqual(offset, 20)
        XCTAssertNotNil(loadError(Data("".utf8)))
        XCTAssertNotNil(loadError(Data("{} extra".utf8)))
        XCTAssertNotNil(loadError(Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])))  // {"\xFF":1}
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        guard case .invalidJSON? = loadError(Data(deep.utf8)) else { return XCTFail("expected invalidJSON") }
    }

    func testTopLevelMustBeAnObject() {
        XCTAssertEqual(loadError(Data("[1, 2]".utf8)), .wrongType(file: "tokenizer.json", path: "the top level", expected: "an object"))
    }

    func testMissingModelAndVocab() {
        var root = TinyTokenizer.object()
        root["model"] = nil
        XCTAssertEqual(loadError(root), .missingField(file: "tokenizer.json", path: "model"))
        XCTAssertEqual(loadError(TinyTokenizer.editing("model") { $0["vocab"] = nil }),
                       .missingField(file: "tokenizer.json", path: "model.vocab"))
        XCTAssertEqual(loadError(TinyTokenizer.editing("model") { $0["merges"] = nil }),
                       .missingField(file: "tokenizer.json", path: "model.merges"))
    }

    func testUnknownModelType() {
        XCTAssertEqual(loadError(TinyTokenizer.editing("model") { $0["type"] = "WordPiece" }),
                       .unsupportedStage(file: "tokenizer.json", path: "model", type: "WordPiece"))
    }

    func testUnknownNormalizerTypes() {
        var root = TinyTokenizer.object()
        root["normalizer"] = ["type": "NFKC"]
        XCTAssertEqual(loadError(root), .unsupportedStage(file: "tokenizer.json", path: "normalizer", type: "NFKC"))
        root["normalizer"] = ["type": "Sequence", "normalizers": [["type": "Prepend", "prepend": "▁"], ["type": "Lowercase"]]]
        XCTAssertEqual(loadError(root), .unsupportedStage(file: "tokenizer.json", path: "normalizer.normalizers[1]", type: "Lowercase"))
        root["normalizer"] = ["type": "Replace", "pattern": ["Regex": "\\s+"], "content": "▁"]
        guard case let .unsupportedSetting(_, path, _)? = loadError(root) else { return XCTFail("expected unsupportedSetting") }
        XCTAssertEqual(path, "normalizer.pattern.Regex")
        root["normalizer"] = ["prepend": "▁"]
        XCTAssertEqual(loadError(root), .missingField(file: "tokenizer.json", path: "normalizer.type"))
    }

    func testPreTokenizerIsRefused() {
        var root = TinyTokenizer.object()
        root["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false]
        XCTAssertEqual(loadError(root), .unsupportedStage(file: "tokenizer.json", path: "pre_tokenizer", type: "Metaspace"))
    }

    func testUnknownDecoderType() {
        var root = TinyTokenizer.object()
        root["decoder"] = ["type": "Sequence", "decoders": [["type": "ByteFallback"], ["type": "Metaspace"]]]
        XCTAssertEqual(loadError(root), .unsupportedStage(file: "tokenizer.json", path: "decoder.decoders[1]", type: "Metaspace"))
    }

    func testUnknownPostProcessor() {
        var root = TinyTokenizer.object()
        root["post_processor"] = ["type": "BertProcessing", "sep": ["</s>", 2], "cls": ["<s>", 1]]
        XCTAssertEqual(loadError(root), .unsupportedStage(file: "tokenizer.json", path: "post_processor", type: "BertProcessing"))
        root["post_processor"] = ["type": "TemplateProcessing",
                                  "single": [["SpecialToken": ["id": "<bos>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
                                  "special_tokens": [String: Any]()]
        guard case let .unknownToken(_, _, token)? = loadError(root) else { return XCTFail("expected unknownToken") }
        XCTAssertEqual(token, "<bos>")
        root["post_processor"] = ["type": "TemplateProcessing",
                                  "single": [["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
                                  "special_tokens": ["<s>": ["id": "<s>", "ids": [-1], "tokens": ["<s>"]]]]
        guard case .invalidValue(_, "post_processor.special_tokens.<s>.ids[0]", _)? = loadError(root) else { return XCTFail("negative template id") }
    }

    func testMergesNamingUnknownTokens() {
        XCTAssertEqual(loadError(TinyTokenizer.editing("model") { $0["merges"] = ["▁ a", "a zz"] }),
                       .unknownToken(file: "tokenizer.json", path: "model.merges[1]", token: "zz"))
        // Both parts exist but their concatenation does not.
        XCTAssertEqual(loadError(TinyTokenizer.editing("model") { $0["merges"] = ["b a"] }),
                       .unknownToken(file: "tokenizer.json", path: "model.merges[0]", token: "ba"))
    }

    func testMalformedMerges() {
        guard case .invalidValue(_, "model.merges[0]", _)? = loadError(TinyTokenizer.editing("model") { $0["merges"] = ["a b c"] }) else {
            return XCTFail("expected invalidValue for a three-part merge")
        }
        guard case .invalidValue(_, "model.merges[0]", _)? = loadError(TinyTokenizer.editing("model") { $0["merges"] = [["a"]] }) else {
            return XCTFail("expected invalidValue for a one-element pair")
        }
        guard case .wrongType(_, "model.merges[0]", _)? = loadError(TinyTokenizer.editing("model") { $0["merges"] = [7] }) else {
            return XCTFail("expected wrongType for a number")
        }
    }

    func testBadVocabularies() {
        guard case .invalidValue(_, "model.vocab", _)? = loadError(TinyTokenizer.editing("model") { $0["vocab"] = ["a": -1] }) else {
            return XCTFail("negative id")
        }
        guard case .invalidValue(_, "model.vocab", _)? = loadError(TinyTokenizer.editing("model") { $0["vocab"] = ["a": "one"] }) else {
            return XCTFail("string id")
        }
        guard case .invalidValue(_, "model.vocab", _)? = loadError(TinyTokenizer.editing("model") { $0["vocab"] = ["<unk>": 0, "a": 0] }) else {
            return XCTFail("shared id")
        }
        // Fuzzer finding: one id of 2147483646 made the loader allocate a 2^31-entry id table
        // (34 GB) and die out of memory. Huge ids and huge gaps are refused before allocating.
        var sparse = (TinyTokenizer.object()["model"] as! [String: Any])["vocab"] as! [String: Int]
        sparse["zz"] = 2147483646
        guard case .invalidValue(_, "model.vocab", let reason)? = loadError(TinyTokenizer.editing("model") { $0["vocab"] = sparse }),
              reason.contains("16777216") else {
            return XCTFail("an id of 2^31 − 2 is beyond the bound")
        }
        sparse["zz"] = 5_000_000
        guard case .invalidValue(_, "model.vocab", let gap)? = loadError(TinyTokenizer.editing("model") { $0["vocab"] = sparse }),
              gap.contains("would have no piece") else {
            return XCTFail("an id 5 M past the other pieces leaves too many ids without a piece")
        }
        XCTAssertEqual(loadError(TinyTokenizer.editing("model") { $0["vocab"] = "a b" }),
                       .wrongType(file: "tokenizer.json", path: "model.vocab", expected: "an object"))
        XCTAssertEqual(loadError(TinyTokenizer.editing("model") { $0["unk_token"] = "<oov>" }),
                       .unknownToken(file: "tokenizer.json", path: "model.unk_token", token: "<oov>"))
    }

    func testSettingsThatWouldChangeOutput() {
        guard case .unsupportedSetting(_, "model.dropout", _)? = loadError(TinyTokenizer.editing("model") { $0["dropout"] = 0.1 }) else {
            return XCTFail("dropout")
        }
        var root = TinyTokenizer.object()
        root["added_tokens"] = [["id": 7, "content": "<x>", "lstrip": true, "special": true, "normalized": false]]
        XCTAssertEqual(loadError(root), .unsupportedSetting(file: "tokenizer.json", path: "added_tokens[0].lstrip", value: "true"))
        root = TinyTokenizer.object()
        root["truncation"] = ["max_length": 8, "strategy": "LongestFirst", "stride": 0, "direction": "Right"]
        guard case .unsupportedSetting(_, "truncation", _)? = loadError(root) else { return XCTFail("truncation") }
    }

    func testConfigErrors() {
        let tokenizer = TinyTokenizer.data(TinyTokenizer.object())
        guard case .invalidJSON(file: "tokenizer_config.json", _, _)? = loadError(tokenizer, config: Data("{".utf8)) else {
            return XCTFail("invalid config JSON")
        }
        XCTAssertEqual(loadError(tokenizer, config: Data(#"{"add_bos_token": true, "bos_token": "<bos>"}"#.utf8)),
                       .unknownToken(file: "tokenizer_config.json", path: "bos_token", token: "<bos>"))
        XCTAssertEqual(loadError(tokenizer, config: Data(#"{"add_eos_token": true, "bos_token": "<s>"}"#.utf8)),
                       .missingField(file: "tokenizer_config.json", path: "eos_token"))
        XCTAssertEqual(loadError(tokenizer, config: Data(#"{"add_bos_token": "yes"}"#.utf8)),
                       .wrongType(file: "tokenizer_config.json", path: "add_bos_token", expected: "true or false"))
    }

    func testConfigDecidesBOSAndEOS() throws {
        let tokenizer = TinyTokenizer.data(TinyTokenizer.object())
        let noBOS = try Tokenizer(tokenizerJSON: tokenizer, tokenizerConfigJSON: Data(#"{"add_bos_token": false, "bos_token": "<s>"}"#.utf8))
        XCTAssertEqual(noBOS.encode("a"), [5])
        XCTAssertEqual(noBOS.bosTokenID, 1)
        let withEOS = try Tokenizer(tokenizerJSON: tokenizer,
                                    tokenizerConfigJSON: Data(#"{"add_eos_token": true, "bos_token": {"content": "<s>"}, "eos_token": "b"}"#.utf8))
        XCTAssertEqual(withEOS.encode("a"), [1, 5, 4])
        let silent = try Tokenizer(tokenizerJSON: tokenizer, tokenizerConfigJSON: Data(#"{"model_max_length": 1000000000000000019884624838656}"#.utf8))
        XCTAssertEqual(silent.encode("a"), [1, 5])
    }

    func testMissingDirectoryOrFile() {
        let nowhere = URL(fileURLWithPath: "/nonexistent/hymba-model")
        XCTAssertThrowsError(try Tokenizer(directory: nowhere)) { error in
            XCTAssertEqual(error as? TokenizerError, .unreadableFile(path: "/nonexistent/hymba-model/tokenizer.json", reason: "no such file"))
        }
    }

    func testValidateIDs() throws {
        let tokenizer = try TokenizerFixtures.hymba()
        XCTAssertNoThrow(try tokenizer.validate(ids: [0, 1, 32000]))
        XCTAssertThrowsError(try tokenizer.validate(ids: [1, 32001])) { error in
            XCTAssertEqual(error as? TokenizerError, .tokenIDOutOfRange(id: 32001, vocabularySize: 32001))
        }
        XCTAssertThrowsError(try tokenizer.validate(ids: [-3]))
        // Plain decode skips them, as Hugging Face does.
        XCTAssertEqual(tokenizer.decode([15043, 99999, -1, 3186]), "Hello world")
    }

    func testErrorDescriptionsNameTheProblem() {
        let error = TokenizerError.unsupportedStage(file: "/m/tokenizer.json", path: "normalizer.normalizers[1]", type: "NFKC")
        XCTAssertEqual(error.description, "/m/tokenizer.json: normalizer.normalizers[1] has type \"NFKC\", which this tokenizer does not implement")
        XCTAssertEqual(TokenizerError.invalidUTF8(path: "a.txt", byteOffset: 3).description,
                       "a.txt is not valid UTF-8 text (first invalid byte at offset 3)")
    }
}

/// `readUTF8TextFile`: exact text or an error with the offset of the first bad byte.
final class TokenizerTextFileTests: XCTestCase {
    private func write(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-text-\(UUID().uuidString).txt")
        try Data(bytes).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func invalidOffset(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> Int? {
        let url = try write(bytes)
        do {
            _ = try readUTF8TextFile(url)
            return nil
        } catch let TokenizerError.invalidUTF8(path, offset) {
            XCTAssertEqual(path, url.path, file: file, line: line)
            return offset
        }
    }

    func testValidTextIsReturnedExactly() throws {
        let text = "\u{FEFF}Café e\u{0301} 🦙\r\n"
        XCTAssertEqual(Array(try readUTF8TextFile(try write(Array(text.utf8))).unicodeScalars), Array(text.unicodeScalars))
        XCTAssertEqual(try readUTF8TextFile(try write([])), "")
    }

    func testInvalidUTF8IsReportedWithItsOffset() throws {
        XCTAssertEqual(try invalidOffset(Array("abc".utf8) + [0xFF] + Array("def".utf8)), 3)
        XCTAssertEqual(try invalidOffset([0x61, 0xC0, 0xAF]), 1)  // overlong "/"
        XCTAssertEqual(try invalidOffset([0xED, 0xA0, 0x80]), 0)  // UTF-16 surrogate
        XCTAssertEqual(try invalidOffset([0xF4, 0x90, 0x80, 0x80]), 0)  // above U+10FFFF
        XCTAssertEqual(try invalidOffset(Array("ok ".utf8) + [0xF0, 0x9F, 0xA6]), 3)  // truncated at the end
        XCTAssertEqual(try invalidOffset(Array("é".utf8) + [0x80]), 2)  // stray continuation byte
    }

    func testMissingFileAndDirectory() {
        XCTAssertThrowsError(try readUTF8TextFile(URL(fileURLWithPath: "/nonexistent/file.txt"))) { error in
            XCTAssertEqual(error as? TokenizerError, .unreadableFile(path: "/nonexistent/file.txt", reason: "no such file"))
        }
        XCTAssertThrowsError(try readUTF8TextFile(FileManager.default.temporaryDirectory)) { error in
            guard case .unreadableFile(_, "it is a directory")? = error as? TokenizerError else { return XCTFail("\(error)") }
        }
    }
}
