import Foundation

/// What a recording file holds besides the tensors: where they came from and how to read them.
/// Written as JSON beside the safetensors file (`rec.safetensors` → `rec.manifest.json`) and also into
/// the safetensors `__metadata__` under `"manifest"`, so either file alone identifies the run.
public struct RecordingManifest: Codable, Equatable, Sendable {
    public struct Tokens: Codable, Equatable, Sendable {
        public var ids: [Int]
        /// Vocabulary pieces (e.g. "▁Hello", "<0x0A>") when a tokenizer was available.
        public var strings: [String]?
    }

    public struct Entry: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var dtype: String
        /// For per-head maps: which heads the first axis holds.
        public var heads: [Int]?
        /// For `ssm_attn_channels`: which SSM channels the first axis holds.
        public var channels: [Int]?
    }

    public var tool = "hymba-lens"
    public var version = HymbaKitInfo.version
    public var created: String
    public var model: String
    public var configSHA256: String
    public var metaTokens: Int
    public var realTokens: Int
    public var positions: Int
    public var tokens: Tokens
    public var plan: String
    public var legend = "T = meta + n positions (meta rows first), M meta tokens, H heads, dv = E/H, E = d_inner, N = d_state; layers.{i}.{point}"
    public var tensors: [Entry]

    enum CodingKeys: String, CodingKey {
        case tool, version, created, model
        case configSHA256 = "config_sha256"
        case metaTokens = "meta_tokens"
        case realTokens = "real_tokens"
        case positions, tokens, plan, legend, tensors
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A finished recording: named tensors in a stable order plus their manifest.
public struct Recording: Sendable {
    public var tensors: [(name: String, tensor: Tensor)]
    public var manifest: RecordingManifest

    /// Packages what `recorder` collected during `forward(ids:)`.
    public init(recorder: Recorder, ids: [Int], tokenStrings: [String]?, modelPath: String, configData: Data) {
        let plan = recorder.plan, config = recorder.config
        tensors = recorder.tensors
        let entries = tensors.map { item -> RecordingManifest.Entry in
            var entry = RecordingManifest.Entry(name: item.name, shape: item.tensor.shape, dtype: item.tensor.dtype.rawValue)
            let parts = item.name.split(separator: ".")
            if parts.count == 3, let layer = Int(parts[1]), let point = HookPoint(rawValue: String(parts[2])) {
                if point.isPerHeadMap { entry.heads = plan.heads(point, layer: layer, headCount: config.attentionHeads) }
                if point == .ssmAttnChannels { entry.channels = plan.ssmAttentionChannels }
            }
            return entry
        }
        let formatter = ISO8601DateFormatter()
        manifest = RecordingManifest(
            created: formatter.string(from: Date()), model: modelPath,
            configSHA256: SHA256.hex(configData), metaTokens: config.memoryTokens,
            realTokens: ids.count, positions: config.memoryTokens + ids.count,
            tokens: .init(ids: ids, strings: tokenStrings), plan: plan.specification, tensors: entries)
    }

    public init(tensors: [(name: String, tensor: Tensor)], manifest: RecordingManifest) {
        self.tensors = tensors
        self.manifest = manifest
    }

    /// `rec.safetensors` → `rec.manifest.json` (a name of its own, so the manifest never lands
    /// on a user's `rec.json`).
    public static func manifestURL(for url: URL) -> URL {
        url.deletingPathExtension().appendingPathExtension("manifest.json")
    }

    /// Refuses a manifest path that holds a file which is not a recording manifest: writing
    /// a recording must never replace a file of the user's.
    public static func checkManifestPath(for url: URL) throws {
        let manifest = manifestURL(for: url)
        guard FileManager.default.fileExists(atPath: manifest.path) else { return }
        let data = try? readFile(manifest, limit: FileSizeLimit.json)
        if data.flatMap({ try? JSONDecoder().decode(RecordingManifest.self, from: $0) }) == nil {
            throw OutputError.cannotCreate(path: manifest.path,
                                           reason: "the recording's manifest goes here, but this file is not a hymba-lens manifest and is kept; choose another --out name")
        }
    }

    /// Writes the safetensors file and its manifest, each atomically; on failure neither remains.
    public func write(to url: URL) throws {
        try Self.checkManifestPath(for: url)
        let manifestData = try manifest.jsonData()
        let manifestText = String(decoding: manifestData, as: UTF8.self)
        let manifestWriter = try AtomicFileWriter(destination: Self.manifestURL(for: url))
        try manifestWriter.write(manifestData)
        do {
            try SafeTensorsWriter.write(tensors, metadata: ["format": "hymba-lens recording", "manifest": manifestText], to: url)
        } catch {
            manifestWriter.abandon()
            throw error
        }
        do {
            try manifestWriter.commit()
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
    }

    /// Reads a recording: its tensors and the manifest (from the JSON beside it, or else the
    /// safetensors metadata).
    public init(contentsOf url: URL) throws {
        let file = try SafeTensorsFile(path: url.path)
        var tensors: [(name: String, tensor: Tensor)] = []
        for name in file.names {
            let info = file.tensors[name]!
            if info.dtype == .i64 || info.dtype == .i32 {
                tensors.append((name, Tensor(shape: info.shape, integers: try file.integers(name))))
            } else {
                tensors.append((name, Tensor(shape: info.shape, floats: try file.floats(name))))
            }
        }
        let beside = Self.manifestURL(for: url)
        let data = (try? readFile(beside, limit: FileSizeLimit.json)) ?? file.metadata["manifest"].map { Data($0.utf8) }
        guard let data else {
            throw CheckpointError.invalidHeader(path: url.path, reason: "no manifest (neither \(beside.lastPathComponent) nor safetensors metadata)")
        }
        do {
            manifest = try JSONDecoder().decode(RecordingManifest.self, from: data)
        } catch {
            throw CheckpointError.invalidHeader(path: url.path, reason: "unreadable recording manifest: \(error.localizedDescription)")
        }
        self.tensors = tensors
    }

    public func tensor(_ name: String) -> Tensor? {
        tensors.first { $0.name == name }?.tensor
    }
}
