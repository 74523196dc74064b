import Foundation

/// A Hugging Face checkpoint folder: `config.json` plus a single `model.safetensors` or shards
/// listed in `model.safetensors.index.json`. Only data is read — nothing in the folder is ever
/// executed (no pickles, no remote code).
public final class Checkpoint: @unchecked Sendable {
    public let directory: URL
    public let config: HymbaConfig
    /// The raw bytes of config.json (hashed into recording manifests).
    public let configData: Data
    /// Shards by file name.
    private let shards: [String: SafeTensorsFile]
    /// Which shard holds each tensor.
    private let shardOfTensor: [String: String]

    public init(directory: URL) throws {
        self.directory = directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw CheckpointError.fileNotFound(path: directory.path)
        }
        guard isDirectory.boolValue else { throw CheckpointError.notAFolder(path: directory.path) }
        let configURL = directory.appendingPathComponent("config.json")
        do {
            configData = try readFile(configURL, limit: FileSizeLimit.json)
        } catch let error as FileTooLarge {
            throw error
        } catch {
            throw CheckpointError.fileNotFound(path: configURL.path)
        }
        config = try HymbaConfig(json: configData, path: configURL.path)

        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: index.path) {
            let files = try Self.readIndex(index)
            var shards: [String: SafeTensorsFile] = [:]
            for file in Set(files.values) {
                shards[file] = try SafeTensorsFile(path: directory.appendingPathComponent(file).path)
            }
            for (tensor, file) in files where shards[file]?.tensors[tensor] == nil {
                throw CheckpointError.invalidIndex(path: index.path, reason: "'\(tensor)' is mapped to \(file), which does not contain it")
            }
            self.shards = shards
            self.shardOfTensor = files
        } else if FileManager.default.fileExists(atPath: single.path) {
            let file = try SafeTensorsFile(path: single.path)
            shards = ["model.safetensors": file]
            shardOfTensor = Dictionary(uniqueKeysWithValues: file.tensors.keys.map { ($0, "model.safetensors") })
        } else {
            throw CheckpointError.noWeights(directory: directory.path)
        }
    }

    public convenience init(path: String) throws {
        try self.init(directory: URL(fileURLWithPath: path))
    }

    /// All tensor names, sorted.
    public var tensorNames: [String] { shardOfTensor.keys.sorted() }

    public func info(_ name: String) -> TensorInfo? {
        shardOfTensor[name].flatMap { shards[$0]?.tensors[name] }
    }

    public func contains(_ name: String) -> Bool { info(name) != nil }

    /// The tensor widened to fp32, after checking it exists and has `shape`.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let file = shardOfTensor[name], let shard = shards[file], let info = shard.tensors[name] else {
            throw CheckpointError.missingTensor(name: name, checkpoint: directory.path)
        }
        guard info.shape == shape else {
            throw CheckpointError.wrongShape(name: name, expected: shape, found: info.shape)
        }
        return try shard.floats(name)
    }

    /// A 2-D weight `[rows, cols]` as a matrix.
    public func matrix(_ name: String, rows: Int, cols: Int) throws -> Matrix {
        Matrix(rows: rows, cols: cols, storage: try floats(name, shape: [rows, cols]))
    }

    /// Total number of stored parameters.
    public var parameterCount: Int {
        shardOfTensor.keys.reduce(0) { $0 + (info($1)?.elementCount ?? 0) }
    }

    /// Bytes of tensor data per dtype, e.g. `[.bf16: 20_000_000]`.
    public var bytesByDType: [DType: Int] {
        var out: [DType: Int] = [:]
        for name in shardOfTensor.keys {
            if let info = info(name) { out[info.dtype, default: 0] += info.dataRange.count }
        }
        return out
    }

    /// Shard file names.
    public var shardFiles: [String] { shards.keys.sorted() }

    private static func readIndex(_ url: URL) throws -> [String: String] {
        let data: Data
        do { data = try readFile(url, limit: FileSizeLimit.json) } catch let error as FileTooLarge { throw error } catch { throw CheckpointError.unreadable(path: url.path, reason: error.localizedDescription) }
        struct Index: Decodable { let weight_map: [String: String] }
        let index: Index
        do {
            index = try JSONDecoder().decode(Index.self, from: data)
        } catch {
            throw CheckpointError.invalidIndex(path: url.path, reason: "expected {\"weight_map\": {tensor: file}}")
        }
        for file in Set(index.weight_map.values) {
            // Shards must be plain file names inside the checkpoint folder.
            guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                throw CheckpointError.invalidIndex(path: url.path, reason: "shard name '\(file)' is not a file name in the checkpoint folder")
            }
        }
        return index.weight_map
    }
}
