import HymbaKit

/// What an analysis needs computed for one passage: hook points recorded on the run with meta
/// tokens and on the run without them, and single-component ablations. The corpus runner takes
/// the union over all analyses, so each variant runs once per passage however many analyses
/// read it.
public struct PassageNeeds: Equatable, Sendable {
    /// Layers a hook point is recorded at.
    public enum Layers: Equatable, Sendable {
        case all
        case some(Set<Int>)

        func union(_ other: Layers) -> Layers {
            switch (self, other) {
            case (.some(let a), .some(let b)): return .some(a.union(b))
            default: return .all
            }
        }
    }

    public var withMeta: [HookPoint: Layers] = [:]
    public var withoutMeta: [HookPoint: Layers] = [:]
    /// In the order the analysis wants its losses (duplicates across analyses run once).
    public var ablations: [Ablation] = []

    public init(withMeta: [HookPoint] = [], withoutMeta: [HookPoint] = [], layers: Layers = .all, ablations: [Ablation] = []) {
        for point in withMeta { self.withMeta[point] = layers }
        for point in withoutMeta { self.withoutMeta[point] = layers }
        self.ablations = ablations
    }

    public static let nothing = PassageNeeds()

    public mutating func formUnion(_ other: PassageNeeds) {
        withMeta.merge(other.withMeta) { $0.union($1) }
        withoutMeta.merge(other.withoutMeta) { $0.union($1) }
        var seen = Set(ablations)
        for ablation in other.ablations where seen.insert(ablation).inserted { ablations.append(ablation) }
    }

    /// The recording-plan text of one variant's points ("attn_mass,meta_attn_received@3,5").
    static func specification(_ points: [HookPoint: Layers]) -> String {
        points.keys.sorted { $0.rawValue < $1.rawValue }.map { point -> String in
            switch points[point]! {
            case .all: return point.rawValue
            case .some(let layers): return point.rawValue + "@" + layers.sorted().map(String.init).joined(separator: ",")
            }
        }.joined(separator: ",")
    }

    /// The recording plan of one variant (nil when nothing is recorded on it).
    static func plan(_ points: [HookPoint: Layers], config: HymbaConfig) throws -> RecordingPlan? {
        guard !points.isEmpty else { return nil }
        return try RecordingPlan(specification(points), config: config)
    }
}
