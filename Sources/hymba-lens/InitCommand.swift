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

    @Option(help: ArgumentHelp("Output folder (created if missing; must not already hold a checkpoint).", valueName: "dir"))
    var out: String

    @Flag(help: "Overwrite a checkpoint already in the output folder.")
    var force = false

    func run() throws {
        let storedType: DType
        switch dtype.lowercased() {
        case "bf16", "bfloat16": storedType = .bf16
        case "f32", "float32", "fp32": storedType = .f32
        default: throw CLIError("--dtype must be bf16 or f32, not '\(dtype)'")
        }
        let original: Data
        do { original = try Data(contentsOf: URL(fileURLWithPath: config)) } catch {
            throw CLIError("cannot read --config \(config)")
        }
        let configData = try RandomCheckpoint.configJSON(from: original, layers: layers, dtype: storedType)
        _ = try HymbaConfig(json: configData, path: config)       // validate before writing anything

        let directory = URL(fileURLWithPath: out)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CLIError("--out \(out) exists and is not a directory") }
            let existing = ["config.json", "model.safetensors"].filter {
                FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
            }
            if !existing.isEmpty && !force {
                throw CLIError("\(out) already holds \(existing.joined(separator: " and ")); use --force to overwrite")
            }
        } else {
            try OutputPath.checkDirectory(directory.deletingLastPathComponent().path, for: out)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        }
        try RandomCheckpoint.write(configData: configData, to: directory, seed: seed, dtype: storedType) { done, total in
            Progress.update("writing \(out)/model.safetensors: tensor \(done)/\(total)", done: done == total)
        }
        print("wrote \(out)/config.json and \(out)/model.safetensors")
    }
}
