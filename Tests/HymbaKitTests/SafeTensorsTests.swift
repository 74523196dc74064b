import Foundation
import XCTest
@testable import HymbaKit

/// Malformed safetensors files are refused with an error that names the problem.
final class SafeTensorsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Builds a file from a header string and a data region.
    private func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) throws -> String {
        var bytes = [UInt8]()
        let length = declaredLength ?? UInt64(header.utf8.count)
        for i in 0..<8 { bytes.append(UInt8((length >> (8 * UInt64(i))) & 0xff)) }
        bytes += Array(header.utf8) + data
        let url = directory.appendingPathComponent("\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        return url.path
    }

    private func assertError(_ path: String, _ check: (CheckpointError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile(path: path), file: file, line: line) { error in
            guard let error = error as? CheckpointError else { return XCTFail("not a CheckpointError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "one line", file: file, line: line)
        }
    }

    func testRoundTripOfWrittenTensors() throws {
        let url = directory.appendingPathComponent("a.safetensors")
        let a = Tensor(shape: [2, 3], floats: [1, -2, 3.5, 0, 1e-3, 7])
        let ids = Tensor(shape: [3], integers: [1, 45, 77])
        try SafeTensorsWriter.write([("a", a), ("input_ids", ids)], metadata: ["k": "v \"quoted\""], to: url)
        let read = try SafeTensorsFile(path: url.path)
        XCTAssertEqual(read.names, ["a", "input_ids"])
        XCTAssertEqual(try read.floats("a"), a.floats)
        XCTAssertEqual(try read.integers("input_ids"), [1, 45, 77])
        XCTAssertEqual(read.metadata["k"], "v \"quoted\"")
    }

    func testBFloat16AndFloat16Widen() throws {
        // 1.5 and -2.0 in bf16 (0x3FC0, 0xC000) and f16 (0x3E00, 0xC000).
        let bf = try file(header: #"{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, data: [0xC0, 0x3F, 0x00, 0xC0])
        XCTAssertEqual(try SafeTensorsFile(path: bf).floats("x"), [1.5, -2])
        let half = try file(header: #"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: [0x00, 0x3E, 0x00, 0xC0])
        XCTAssertEqual(try SafeTensorsFile(path: half).floats("x"), [1.5, -2])
    }

    func testTruncatedFile() throws {
        let url = directory.appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: url)
        assertError(url.path) { if case .truncated = $0 { return true }; return false }
    }

    /// A file cut short names the first tensor (by data offset) that lies past its end, the
    /// same one on every run — not whichever entry a hash table happened to visit first.
    func testTruncatedDataNamesTheFirstTensorPastTheEnd() throws {
        let names = ["w_late", "a_middle", "z_early", "m_last"]
        let offsets = [[8, 16], [16, 24], [0, 8], [24, 32]]
        let entries = zip(names, offsets).map { #""\#($0)":{"dtype":"F32","shape":[2],"data_offsets":[\#($1[0]),\#($1[1])]}"# }
        let path = try file(header: "{" + entries.joined(separator: ",") + "}", data: [UInt8](repeating: 0, count: 12))
        for _ in 0..<5 {
            assertError(path) {
                if case .offsetsOutsideData(_, let tensor, let begin, _, _) = $0 { return tensor == "w_late" && begin == 8 }
                return false
            }
        }
    }

    func testHeaderLengthBeyondFile() throws {
        let path = try file(header: "{}", data: [], declaredLength: 4096)
        assertError(path) { if case .headerBeyondFile = $0 { return true }; return false }
    }

    func testHugeDeclaredHeaderIsRefusedBeforeReading() throws {
        let path = try file(header: "{}", data: [], declaredLength: UInt64(1) << 40)
        assertError(path) { if case .headerTooLarge = $0 { return true }; return false }
    }

    func testInvalidJSON() throws {
        let path = try file(header: #"{"x": {"dtype": "F32", "#, data: [])
        assertError(path) { if case .invalidHeader = $0 { return true }; return false }
    }

    func testOffsetsOutsideData() throws {
        let path = try file(header: #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [0, 0, 0, 0])
        assertError(path) { if case .offsetsOutsideData(_, "x", _, _, _) = $0 { return true }; return false }
    }

    func testShapeLengthMismatch() throws {
        let path = try file(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        assertError(path) { if case .lengthMismatch(_, "x", [3], "F32", 8) = $0 { return true }; return false }
    }

    func testOverlappingTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let path = try file(header: header, data: [UInt8](repeating: 0, count: 12))
        assertError(path) { if case .overlappingTensors = $0 { return true }; return false }
    }

    func testGapInData() throws {
        let path = try file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        assertError(path) { if case .gapInData = $0 { return true }; return false }
    }

    func testUnknownDType() throws {
        let path = try file(header: #"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#, data: [0])
        assertError(path) { if case .unknownDType(_, "a", "Q4") = $0 { return true }; return false }
    }

    func testUnsupportedDTypeForWeights() throws {
        let path = try file(header: #"{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        let st = try SafeTensorsFile(path: path)
        XCTAssertThrowsError(try st.floats("a")) { error in
            XCTAssertEqual(error as? CheckpointError, .unsupportedDType(path: path, tensor: "a", dtype: "I32"))
        }
    }

    func testNegativeOrFractionalOffsetsAreInvalid() throws {
        let negative = try file(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}"#, data: [0])
        assertError(negative) { if case .offsetsOutsideData = $0 { return true }; return false }
        let fractional = try file(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,0.5]}}"#, data: [0])
        assertError(fractional) { if case .invalidHeader = $0 { return true }; return false }
    }

    func testMissingTensorIsNamed() throws {
        let path = try file(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0])
        XCTAssertThrowsError(try SafeTensorsFile(path: path).floats("b")) { error in
            XCTAssertTrue("\(error)".contains("'b'"))
        }
    }
}
