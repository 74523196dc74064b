import Foundation
import HymbaKit

/// `hymba-lens view` as a library call: one forward pass recording what the page needs, the
/// page written atomically. The report links such a page for one of its passages.
///
/// ```swift
/// try InteractiveView.write(model: model, ids: ids, tokenizer: tokenizer, modelName: "hymba-tiny",
///                           to: folder.appendingPathComponent("view.html"))
/// ```
public enum InteractiveView {
    /// The recording plan of a page showing `layers`: both maps of every head and the residual
    /// stream for the lens — nothing else.
    public static func plan(layers: [Int], config: HymbaConfig) throws -> RecordingPlan {
        let list = layers.map(String.init).joined(separator: ",")
        return try RecordingPlan("attn_probs@\(list),ssm_attn@\(list),hidden@\(list)", config: config)
    }

    /// Checks a request before any work: layers in range, the page under `maximumWeights`,
    /// the recording within the free memory.
    public static func check(config: HymbaConfig, tokens: Int, layers: [Int],
                             maximumWeights: Int = ViewerSize.defaultMaximumWeights) throws {
        guard !layers.isEmpty else { throw ViewerError.noLayers }
        for layer in layers where !(0..<config.hiddenLayers).contains(layer) {
            throw ViewerError.layerOutOfRange(layer: layer, layers: config.hiddenLayers)
        }
        try ViewerSize.check(tokens: tokens, metaCount: config.memoryTokens, heads: config.attentionHeads,
                             layers: layers.count, maximum: maximumWeights)
        try RecordingSize.check(plan(layers: layers, config: config), config: config, tokens: tokens)
    }

    /// Runs the prompt once and gathers the page's data.
    ///
    /// - Parameters:
    ///   - layers: the layers shown (nil = every layer).
    ///   - tokenizer: names the prompt's tokens and the lens's predictions; nil shows ids.
    public static func record(model: HymbaModel, ids: [Int], tokenizer: Tokenizer?, layers: [Int]? = nil,
                              modelName: String, title: String? = nil,
                              maximumWeights: Int = ViewerSize.defaultMaximumWeights) throws -> ViewerData {
        let config = model.config
        let shown = layers ?? Array(0..<config.hiddenLayers)
        try model.validate(ids: ids)
        try check(config: config, tokens: ids.count, layers: shown, maximumWeights: maximumWeights)
        let recorder = model.makeRecorder(plan: try plan(layers: shown, config: config))
        _ = try model.forward(ids: ids, recorder: recorder, logitRows: .last)
        let tensors = Dictionary(recorder.tensors, uniquingKeysWith: { first, _ in first })
        let tokens = tokenizer?.tokenStrings(ids) ?? ids.map(String.init)
        return try ViewerData(title: title ?? defaultTitle(modelName: modelName, tokenizer: tokenizer, ids: ids),
                              modelName: modelName, config: config, ids: ids, tokens: tokens,
                              tokensArePieces: tokenizer != nil, layers: shown,
                              tensors: tensors, lens: LogitLens(model: model),
                              pieces: { id in tokenizer?.tokenStrings([id]).first })
    }

    /// Runs the prompt and writes the page to `url` (parents created; the file appears whole or
    /// not at all). Returns the number of bytes written.
    @discardableResult
    public static func write(model: HymbaModel, ids: [Int], tokenizer: Tokenizer?, layers: [Int]? = nil,
                             modelName: String, title: String? = nil,
                             maximumWeights: Int = ViewerSize.defaultMaximumWeights, to url: URL) throws -> Int {
        let data = try record(model: model, ids: ids, tokenizer: tokenizer, layers: layers, modelName: modelName,
                              title: title, maximumWeights: maximumWeights)
        let html = Data(try ViewerPage(data: data).html().utf8)
        try AtomicFileWriter.write(html, to: url)
        return html.count
    }

    /// "hymba-tiny · “The cat sat on …”": the model and the prompt's first words.
    static func defaultTitle(modelName: String, tokenizer: Tokenizer?, ids: [Int]) -> String {
        guard let tokenizer else { return "\(modelName) · \(ids.count) tokens" }
        let text = tokenizer.decode(ids).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let words = text.split(separator: " ")
        let shown = words.prefix(8).joined(separator: " ") + (words.count > 8 ? " …" : "")
        return "\(modelName) · “\(shown)”"
    }
}
