/// Problems with what an analysis was given. One line each.
public enum AnalysisError: Error, CustomStringConvertible, Equatable {
    /// A recording lacks a tensor the analysis needs (the plan did not ask for it).
    case missingTensor(key: String)
    /// A tensor has another shape than the hook point's contract.
    case wrongShape(key: String, expected: [Int], actual: [Int])
    /// Too little data for the analysis (e.g. a domain with no passage).
    case insufficientData(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .missingTensor(let key): return "the recording has no \(key) (add it to the recording plan)"
        case .wrongShape(let key, let expected, let actual):
            return "\(key) has shape \(actual), expected \(expected)"
        case .insufficientData(let what): return what
        case .invalidArgument(let what): return what
        }
    }
}
