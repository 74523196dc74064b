import Foundation
import HymbaKit

/// What every harness needs: where the repository's files are, a private scratch folder for
/// inputs that the library reads from disk, and the fixed configs some parsers validate against.
public enum FuzzSupport {
    /// The repository root, found from this file (Fuzz/Sources/FuzzSupport/…).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A folder of this process's own (in /dev/shm when it exists, so the per-input file writes
    /// cost memory copies, not disk I/O), removed at exit.
    public static let scratch: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("hymba-lens-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/hymba-lens-fuzz-\(getpid())") }
        return url
    }()

    /// The micro model every checkpoint harness loads (2 layers, width 16; `Fuzz/micro-model`).
    public static let microModel = repositoryRoot.appendingPathComponent("Fuzz/micro-model")

    /// The bytes of one input as a `Data` (libFuzzer owns the buffer).
    public static func data(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Data {
        Data(bytes: bytes, count: count)
    }

    /// Writes `data` to `name` inside `folder`, replacing what an earlier input left.
    public static func write(_ data: Data, to name: String, in folder: URL = scratch) -> URL {
        let url = folder.appendingPathComponent(name)
        FileManager.default.createFile(atPath: url.path, contents: data)
        return url
    }

    /// Loads a config that must be valid (a harness setup failure is a bug in the harness).
    public static func config(_ url: URL) -> HymbaConfig {
        do { return try HymbaConfig(contentsOf: url) } catch { fatalError("fuzz setup: \(url.path): \(error)") }
    }
}
