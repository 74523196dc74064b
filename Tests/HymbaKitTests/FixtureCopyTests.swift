import Foundation
import TestFixtures
import XCTest

/// The in-repository fixtures are copies; the upstream folder beside the repository (where a
/// machine has it) stays their source. Every copied file must equal its upstream original byte
/// for byte, and every upstream file of the copied folders must have been copied.
final class FixtureCopyTests: XCTestCase {
    /// (copy in the repository, upstream original) folder or file pairs.
    private func pairs(upstream: URL) -> [(copy: URL, original: URL)] {
        let fixtures = upstream.appendingPathComponent("fixtures")
        return ["parity", "tokenizer", "decode", "chat"].map {
            (FixtureFiles.root.appendingPathComponent($0), fixtures.appendingPathComponent($0))
        } + [(FixtureFiles.hymba15BConfig, fixtures.appendingPathComponent("configs/hymba-1.5b-base.json"))]
    }

    func testCopiesMatchTheUpstreamFixtures() throws {
        guard let upstream = FixtureFiles.upstream else {
            throw XCTSkip("no ../shared/fixtures beside the repository: nothing to compare the copies with")
        }
        var compared = 0
        for (copy, original) in pairs(upstream: upstream) {
            for relative in try files(under: original) {
                let source = relative.isEmpty ? original : original.appendingPathComponent(relative)
                let target = relative.isEmpty ? copy : copy.appendingPathComponent(relative)
                guard FileManager.default.fileExists(atPath: target.path) else {
                    XCTFail("\(target.path) is missing: run scripts/refresh-fixtures.sh")
                    continue
                }
                if try Data(contentsOf: source) != Data(contentsOf: target) {
                    XCTFail("\(target.path) differs from \(source.path): run scripts/refresh-fixtures.sh")
                }
                compared += 1
            }
            for relative in try files(under: copy) where !relative.isEmpty {
                if !FileManager.default.fileExists(atPath: original.appendingPathComponent(relative).path) {
                    XCTFail("\(copy.appendingPathComponent(relative).path) has no upstream original: run scripts/refresh-fixtures.sh")
                }
            }
        }
        XCTAssertGreaterThan(compared, 20, "expected the parity, tokenizer, decode and chat files")
    }

    /// The regular files below `url` as paths relative to it ("" when `url` is a file itself).
    private func files(under url: URL) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw MissingFixture(path: url.path)
        }
        guard isDirectory.boolValue else { return [""] }
        let enumerator = FileManager.default.enumerator(atPath: url.path)
        var out: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: url.appendingPathComponent(relative).path, isDirectory: &isDir)
            if !isDir.boolValue { out.append(relative) }
        }
        return out.sorted()
    }
}
