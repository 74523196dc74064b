import Foundation
import TestFixtures
import XCTest
@testable import HymbaKit

/// The in-repository fixture copies (`Tests/Fixtures`, see `FixtureFiles`) and golden helpers.
enum Fixtures {
    static let parity = FixtureFiles.parity
    static let bundledModel = FixtureFiles.bundledModel
    static var parityFixtures: [URL] { FixtureFiles.parityFixtures }

    struct Prompt {
        let file: URL
        let ids: [Int]
    }

    /// The prompts of a fixture's golden.json.
    static func prompts(of fixture: URL) throws -> [Prompt] {
        let data = try Data(contentsOf: FixtureFiles.required(fixture.appendingPathComponent("golden.json")))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (json["prompts"] as! [[String: Any]]).map {
            Prompt(file: fixture.appendingPathComponent($0["file"] as! String), ids: ($0["ids"] as! [Int]))
        }
    }
}

/// The fixtures' criterion (parity/README.md): per key, max|diff| ≤ 2e-4 · max(1, max|golden|).
/// 2e-4 sits 7× above the worst independent fp32 implementation the fixture authors measured
/// and 3–4× below an RMSNorm eps of 1e-5 instead of 1e-6.
enum Parity {
    static let relativeTolerance: Float = 2e-4

    /// Scaled error of `actual` against `golden`: max|diff| / max(1, max|golden|).
    static func scaledError(_ actual: [Float], _ golden: [Float]) -> Float {
        precondition(actual.count == golden.count)
        var maxDiff: Float = 0, maxGolden: Float = 0
        for i in 0..<golden.count {
            maxDiff = max(maxDiff, abs(actual[i] - golden[i]))
            maxGolden = max(maxGolden, abs(golden[i]))
        }
        if actual.contains(where: { $0.isNaN }) { return .infinity }
        return maxDiff / max(1, maxGolden)
    }

    /// Scaled errors of every golden key the recording also holds (input_ids compared exactly).
    static func compare(recording: [(name: String, tensor: Tensor)], golden: SafeTensorsFile,
                        file: StaticString = #filePath, line: UInt = #line) throws -> [String: Float] {
        let recorded = Dictionary(uniqueKeysWithValues: recording.map { ($0.name, $0.tensor) })
        var errors: [String: Float] = [:]
        for name in golden.names {
            guard let mine = recorded[name] else {
                XCTFail("golden key \(name) was not recorded", file: file, line: line)
                continue
            }
            let info = golden.tensors[name]!
            XCTAssertEqual(mine.shape, info.shape, "shape of \(name)", file: file, line: line)
            guard mine.shape == info.shape else { continue }
            if info.dtype == .i64 {
                XCTAssertEqual(mine.values, .int64(try golden.integers(name)), name, file: file, line: line)
            } else {
                errors[name] = scaledError(mine.floats, try golden.floats(name))
            }
        }
        return errors
    }
}
