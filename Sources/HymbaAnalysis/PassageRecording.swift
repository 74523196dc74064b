import HymbaKit

/// One passage's recorded tensors, looked up by hook point and layer with their shapes checked.
///
/// `metaCount` is the M of the model that produced the recording (0 for a run without meta
/// tokens), so reducers know which rows of a `[T, …]` tensor are real tokens.
public struct PassageRecording: Sendable {
    public let tensors: [String: Tensor]
    /// Real tokens of the passage, BOS included.
    public let tokenCount: Int
    public let metaCount: Int

    public init(tensors: [(name: String, tensor: Tensor)], tokenCount: Int, metaCount: Int) {
        self.tensors = Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { _, last in last })
        self.tokenCount = tokenCount
        self.metaCount = metaCount
    }

    /// A recorder's tensors after one forward pass.
    public init(recorder: Recorder, tokenCount: Int) {
        self.init(tensors: recorder.tensors, tokenCount: tokenCount, metaCount: recorder.config.memoryTokens)
    }

    /// The values of `layers.{layer}.{point}`, checked against `shape`.
    public func floats(_ point: HookPoint, layer: Int, shape: [Int]) throws -> [Float] {
        let key = point.key(layer: layer)
        guard let tensor = tensors[key] else { throw AnalysisError.missingTensor(key: key) }
        guard tensor.shape == shape else { throw AnalysisError.wrongShape(key: key, expected: shape, actual: tensor.shape) }
        return tensor.floats
    }
}
