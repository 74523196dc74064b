import HymbaKit

/// Collects, for one domain, each passage's meta-token profile per layer: the attention every
/// meta token receives (`meta_attn_received [H, M]`, already a mean over the passage's
/// real-token rows) averaged over heads,
///
/// ```
/// profile_p[l, k] = (1/H) Σ_h meta_attn_received_p[l][h, k]      k = 0 … M−1
/// ```
/// Profiles are kept per passage (P × L × M numbers) because box plots and the permutation test
/// need the spread, not just the mean.
public struct MetaProfileCollector: Sendable {
    public static let requiredPoints: [HookPoint] = [.metaAttnReceived]

    public let name: String
    public let layers: [Int]
    public let heads: Int
    public let metaCount: Int
    /// `profiles[i][p]` is passage p's profile at `layers[i]`.
    public private(set) var profiles: [[[Double]]]
    public private(set) var tokens = 0

    public init(name: String, layers: [Int], heads: Int, metaCount: Int) {
        self.name = name
        self.layers = layers
        self.heads = heads
        self.metaCount = metaCount
        profiles = Array(repeating: [], count: layers.count)
    }

    public var passages: Int { profiles.first?.count ?? 0 }

    public mutating func add(_ recording: PassageRecording) throws {
        var perLayer: [[Double]] = []
        for layer in layers {
            let received = try recording.floats(.metaAttnReceived, layer: layer, shape: [heads, metaCount])
            perLayer.append((0..<metaCount).map { k in
                (0..<heads).reduce(0.0) { $0 + Double(received[$1 * metaCount + k]) } / Double(heads)
            })
        }
        for i in layers.indices { profiles[i].append(perLayer[i]) }
        tokens += recording.tokenCount
    }

    /// The passages' profiles at `layer`.
    public func profiles(layer: Int) -> [[Double]]? {
        layers.firstIndex(of: layer).map { profiles[$0] }
    }
}
