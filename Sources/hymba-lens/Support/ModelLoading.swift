import Foundation
import HymbaKit

/// Opens a checkpoint folder and widens its weights, reporting progress on stderr.
enum ModelLoading {
    static func load(_ path: String, quiet: Bool = false) throws -> (checkpoint: Checkpoint, model: HymbaModel) {
        let checkpoint = try Checkpoint(path: path)
        return (checkpoint, try load(checkpoint, quiet: quiet))
    }

    static func load(_ checkpoint: Checkpoint, quiet: Bool = false) throws -> HymbaModel {
        try HymbaModel(checkpoint: checkpoint) { done, total in
            if !quiet { Progress.update("loading \(checkpoint.directory.path): layer \(done)/\(total)", done: done == total) }
        }
    }

    /// The bundled default model (`models/hymba-tiny`), looked up from the working directory and
    /// then upwards from the executable (which lives in `.build/<config>/` of the package).
    static func defaultModelPath() throws -> String {
        let relative = "models/hymba-tiny"
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        for base in candidates {
            let url = base.appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) { return url.path }
        }
        throw CLIError("no MODEL given and the bundled \(relative) was not found; pass a checkpoint folder")
    }
}
