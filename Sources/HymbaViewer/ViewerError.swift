/// Requests the viewer cannot turn into a page. One line each.
public enum ViewerError: Error, CustomStringConvertible, Equatable {
    case tooLarge(weights: Int, maximum: Int, tokens: Int, layers: Int, heads: Int)
    case noLayers
    case layerOutOfRange(layer: Int, layers: Int)
    case missingTensor(String)

    public var description: String {
        switch self {
        case .tooLarge(let weights, let maximum, let tokens, let layers, let heads):
            let megabytes = Double(ViewerSize.pageBytes(weights: weights)) / 1e6
            return "the view would embed \(weights) weights (\(tokens) tokens × \(layers) layers × \(heads) heads × 2 maps, "
                + "about \(Int(megabytes.rounded())) MB of HTML), above the cap of \(maximum): "
                + "choose fewer layers with --layers, a shorter prompt, or raise --max-weights"
        case .noLayers:
            return "the view needs at least one layer"
        case .layerOutOfRange(let layer, let layers):
            return "layer \(layer) is out of range (the model has layers 0...\(layers - 1))"
        case .missingTensor(let key):
            return "internal: \(key) was not recorded"
        }
    }
}
