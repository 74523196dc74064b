import Foundation
import HymbaKit

/// Finds the config of the model a recording came from, to rebuild its attention masks.
///
/// A recording stores attention probabilities as exactly 0 where a key was masked, but an
/// exact 0 can also be a real (underflowed) probability, so masks are never guessed from the
/// numbers. The manifest names the model folder and the SHA-256 of its config.json; the config is
/// used only when those bytes match. Without it, figures mask the future (always right: every
/// map is causal) and leave cells outside a sliding window drawn as their recorded 0.
enum RecordedModelConfig {
    /// - Parameters:
    ///   - explicitModel: `--model DIR`; its config must match the recording's digest.
    ///   - recordingURL: relative model paths are tried from the working directory, then from here.
    /// - Returns: the config, or nil with the reason it was not found.
    /// - Throws: `CLIError` when `--model` names a folder with a different or no config.
    static func find(manifest: RecordingManifest, recordingURL: URL, explicitModel: String?) throws
        -> (config: HymbaConfig?, missing: String?) {
        if let explicitModel {
            let url = URL(fileURLWithPath: explicitModel).appendingPathComponent("config.json")
            guard let data = try? Data(contentsOf: url) else {
                throw CLIError("--model \(explicitModel) has no readable config.json")
            }
            guard SHA256.hex(data) == manifest.configSHA256 else {
                throw CLIError("--model \(explicitModel): its config.json differs from the recording's model (\(manifest.model)); masks would be wrong")
            }
            return (try HymbaConfig(json: data, path: url.path), nil)
        }
        let base = recordingURL.deletingLastPathComponent()
        let candidates = manifest.model.hasPrefix("/")
            ? [URL(fileURLWithPath: manifest.model)]
            : [URL(fileURLWithPath: manifest.model), base.appendingPathComponent(manifest.model)]
        var sawDifferent = false
        for folder in candidates {
            let url = folder.appendingPathComponent("config.json")
            guard let data = try? Data(contentsOf: url) else { continue }
            guard SHA256.hex(data) == manifest.configSHA256 else { sawDifferent = true; continue }
            if let config = try? HymbaConfig(json: data, path: url.path) { return (config, nil) }
        }
        let reason = sawDifferent
            ? "\(manifest.model)/config.json has changed since the recording"
            : "the recording's model \(manifest.model) was not found"
        return (nil, reason)
    }
}
