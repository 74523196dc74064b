import Foundation
import XCTest
@testable import HymbaKit

/// XXH64 against the reference digests, for any split of the input, and the checkpoint
/// fingerprint telling weight files apart.
final class CheckpointFingerprintTests: XCTestCase {
    func digest(_ bytes: [UInt8], pieces: [Int] = []) -> UInt64 {
        var hasher = XXH64()
        var start = 0
        for size in pieces + [bytes.count] where start < bytes.count {
            let end = min(bytes.count, start + size)
            bytes[start..<end].withUnsafeBytes { hasher.update($0) }
            start = end
        }
        return hasher.finalize()
    }

    func testReferenceDigests() {
        // xxhash.xxh64_intdigest(b"") and (b"abc"), seed 0.
        XCTAssertEqual(digest([]), 0xEF46_DB37_51D8_E999)
        XCTAssertEqual(digest(Array("abc".utf8)), 0x44BC_2CF5_AD77_0999)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let whole = digest(long)
        for pieces in [[1], [31, 1, 64], [32, 32, 5, 100], [999]] {
            XCTAssertEqual(digest(long, pieces: pieces), whole, "split \(pieces)")
        }
    }

    func testFingerprintFollowsTheBytes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fingerprint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bundled = Fixtures.bundledModel
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: bundled.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        let original = try Checkpoint(directory: bundled).weightsFingerprint()
        XCTAssertEqual(try Checkpoint(directory: directory).weightsFingerprint(), original, "a copy has the same fingerprint")
        let url = directory.appendingPathComponent("model.safetensors")
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count - 1] ^= 1
        try Data(bytes).write(to: url)
        XCTAssertNotEqual(try Checkpoint(directory: directory).weightsFingerprint(), original, "one flipped bit of the last weight")
    }
}
