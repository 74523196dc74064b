import ArgumentParser
import Foundation
import HymbaKit

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a random-weight checkpoint with a given config (for benchmarks at real shapes).",
        discussion: """
        Produces config.json and model.safetensors in the Hugging Face layout with the reference's \
        tensor names, so every other command treats it like a real checkpoint. Weights follow the \
        reference initialisation (N(0, initializer_range) linears, unit norms, N(0,1) meta tokens, \
        Mamba's A_log = log(1..N), D = 1 and log-uniform dt bias). --layers cuts the model to its \
        first N layers and trims global_attn_idx and kv_reuse_group to them.

        Example (the real 1.5B shape, 4 layers):
          hymba-lens init --config models/configs/hymba-1.5b-base.json --layers 4 --out /tmp/hymba-1.5b-4l
        """)

    @Option(help: ArgumentHelp("A Hymba config.json.", valueName: "file"))
    var config: String

    @Option(help: "Keep only the first N layers.")
    var layers: Int?

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Stored weight type: bf16 or f32.")
    var dtype: String = "bf16"

    @Option(help: ArgumentHelp("Output folder: new (parents are created), empty, or an earlier init's output, which is replaced.", valueName: "dir"))
    var out: String

    @Flag(help: "Write into a folder holding files hymba-lens did not write (they are kept; a config.json or model.safetensors of theirs is never replaced).")
    var force = false

    func run() throws {
        let storedType: DType
        switch dtype.lowercased() {
        case "bf16", "bfloat16": storedType = .bf16
        case "f32", "float32", "fp32": storedType = .f32
        default: throw CLIError("--dtype must be bf16 or f32, not '\(dtype)'")
        }
        let original: Data
        do { original = try readFile(URL(fileURLWithPath: config), limit: FileSizeLimit.json) } catch let error as FileTooLarge {
            throw error
        } catch {
            throw CLIError("cannot read --config \(config)")
        }
        let configData = try RandomCheckpoint.configJSON(from: original, layers: layers, dtype: storedType)
        let parsed = try HymbaConfig(json: configData, path: config)       // validated before anything is written

        let bytes = RandomCheckpoint.storedBytes(config: parsed, dtype: storedType)
        if let free = Self.freeBytes(near: URL(fileURLWithPath: out)), bytes > free {
            throw CLIError(String(format: "the checkpoint needs %.2f GB but %@ has only %.2f GB free", Double(bytes) / 1e9, out, Double(free) / 1e9))
        }
        let staging = try StagingDirectory(destination: URL(fileURLWithPath: out), force: force)
        try RandomCheckpoint.write(configData: configData, configURL: try staging.url(for: "config.json"),
                                   weightsURL: try staging.url(for: "model.safetensors"), seed: seed, dtype: storedType) { done, total in
            Progress.update("writing \(out)/model.safetensors: tensor \(done)/\(total)", done: done == total)
        }
        try staging.commit()
        print("wrote \(out)/config.json and \(out)/model.safetensors")
    }

    /// Free space on the file system that will hold `url` (its nearest existing ancestor).
    private static func freeBytes(near url: URL) -> Int? {
        var folder = url.standardizedFileURL
        while !FileManager.default.fileExists(atPath: folder.path), folder.path != "/" { folder.deleteLastPathComponent() }
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: folder.path)
        return (attributes?[.systemFreeSize] as? NSNumber)?.intValue
    }
}
