import Foundation
import HymbaKit
import HymbaViewer

/// The report's interactive page: `view.html`, the viewer (`hymba-lens view`) on the run's first
/// passage, linked from index.html — so a reader can go from a pooled figure to what the heads
/// do on one real text.
///
/// The page needs the model, so an unsharded run writes it; `merge` has no model loaded and
/// leaves it out (its index.html says how to make one). Long passages are cut and, on a large
/// model, only the global-attention layers are shown, to keep the page within the viewer's size
/// cap; if even that does not fit, the report goes without it and says why.
public struct ReportViewer {
    public static let fileName = "view.html"
    /// Tokens of the passage the page shows at most.
    public static let maximumTokens = 128

    let ids: [Int]
    let tokenizer: Tokenizer?
    let modelName: String
    let passageName: String
    let model: () throws -> HymbaModel

    /// - Parameters:
    ///   - corpus: the run's first prompt set; its first passage is shown.
    ///   - model: loads (or hands over the already loaded) model.
    public init?(corpus: Corpus?, tokenizer: Tokenizer?, modelName: String, model: @escaping () throws -> HymbaModel) {
        guard let corpus, let first = corpus.passages.first, !first.isEmpty else { return nil }
        ids = Array(first.prefix(Self.maximumTokens))
        self.tokenizer = tokenizer
        self.modelName = modelName
        passageName = "the first passage of \(corpus.name)"
        self.model = model
    }

    /// The layers shown: all of them if the page fits, else the global-attention layers.
    static func layers(config: HymbaConfig, tokens: Int) -> [Int]? {
        let all = Array(0..<config.hiddenLayers)
        let global = all.filter { config.isGlobal(layer: $0) }
        for choice in [all, global] where !choice.isEmpty {
            if (try? ViewerSize.check(tokens: tokens, metaCount: config.memoryTokens, heads: config.attentionHeads,
                                      layers: choice.count)) != nil { return choice }
        }
        return nil
    }

    /// Writes the page to `url`; returns the sentence index.html shows beside the link, or the
    /// reason there is no page.
    func write(to url: URL) -> (written: Bool, note: String) {
        do {
            let model = try model()
            guard let layers = Self.layers(config: model.config, tokens: ids.count) else {
                return (false, "No interactive view: \(ids.count) tokens of this model exceed the viewer's size cap even for the global layers; run hymba-lens view on a shorter text.")
            }
            try InteractiveView.write(model: model, ids: ids, tokenizer: tokenizer, layers: layers,
                                      modelName: modelName, to: url)
            let shown = layers.count == model.config.hiddenLayers ? "every layer" : "layers " + layers.map(String.init).joined(separator: ", ")
            return (true, "Every attention and SSM head of \(shown) on \(passageName) (\(ids.count) tokens): hover a token to see where it looks, switch between attention, SSM implicit attention and their difference, and read the logit lens.")
        } catch {
            return (false, "No interactive view: \(error)")
        }
    }
}
