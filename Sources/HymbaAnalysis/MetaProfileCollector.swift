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

extension MetaProfileCollector: MergeableReducer {
    /// Appends `other`'s passages after this collector's (the order of the profiles is the
    /// order of the passages, which the permutation test and the passage table keep).
    public mutating func merge(_ other: MetaProfileCollector) throws {
        guard other.name == name, other.layers == layers, other.heads == heads, other.metaCount == metaCount else {
            throw PartialStateError.incompatible("meta profiles of '\(name)' (layers \(layers), M = \(metaCount)) and '\(other.name)' (layers \(other.layers), M = \(other.metaCount))")
        }
        for i in layers.indices { profiles[i] += other.profiles[i] }
        tokens += other.tokens
    }

    public func encode(to encoder: inout PartialStateEncoder) {
        encoder.tag("MetaProfileCollector", version: 1)
        encoder.string(name)
        encoder.integers(layers)
        encoder.integers([heads, metaCount, tokens])
        for perLayer in profiles {
            encoder.integer(perLayer.count)
            for profile in perLayer { encoder.doubles(profile) }
        }
    }

    public init(decoding decoder: inout PartialStateDecoder) throws {
        try decoder.expectTag("MetaProfileCollector", version: 1)
        let name = try decoder.string()
        let layers = try decoder.integers()
        let header = try decoder.integers(count: 3)
        self.init(name: name, layers: layers, heads: header[0], metaCount: header[1])
        tokens = header[2]
        for i in layers.indices {
            let passages = try decoder.integer()
            guard passages >= 0 else { throw PartialStateError.malformed("a negative passage count") }
            profiles[i] = try (0..<passages).map { _ in try decoder.doubles(count: metaCount) }
        }
        guard Set(profiles.map(\.count)).count <= 1 else { throw PartialStateError.malformed("layers with different passage counts") }
    }
}
