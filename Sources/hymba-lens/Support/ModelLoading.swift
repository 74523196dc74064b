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
        let found = BundledFile.locate(relative) { FileManager.default.fileExists(atPath: $0.appendingPathComponent("config.json").path) }
        if let found { return found.path }
        throw CLIError("no MODEL given and the bundled \(relative) was not found; pass a checkpoint folder")
    }
}
