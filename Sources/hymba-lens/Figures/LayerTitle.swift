import Foundation
import HymbaKit

/// Names a model's layers in figure titles, saying how each layer's attention is masked when
/// the config is known ("layer 1 · sliding window 64").
struct LayerTitle {
    /// The checkpoint folder's name, e.g. "hymba-tiny"; nil leaves it out.
    let model: String?
    /// nil when only a recording is at hand and its model's config could not be found.
    let config: HymbaConfig?

    init(modelPath: String?, config: HymbaConfig?) {
        let name = modelPath.map { URL(fileURLWithPath: $0).standardizedFileURL.lastPathComponent }
        self.model = (name?.isEmpty ?? true) || name == "/" ? nil : name
        self.config = config
    }

    /// "hymba-tiny · layer 1".
    func layer(_ i: Int) -> String {
        [model, "layer \(i)"].compactMap { $0 }.joined(separator: " · ")
    }

    /// "global", "sliding window 64", "sliding window 64, K/V of layer 1"; nil without a config.
    func attentionKind(_ i: Int) -> String? {
        guard let config else { return nil }
        var kind = config.isGlobal(layer: i) ? "global" : config.slidingWindow.map { "sliding window \($0)" } ?? "global"
        if case .consumer(let producer) = config.kvRole(layer: i) { kind += ", K/V of layer \(producer)" }
        return kind
    }
}
