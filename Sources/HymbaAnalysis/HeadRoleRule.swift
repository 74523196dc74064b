/// What a head mostly does, by a fixed rule over its averaged statistics.
public enum HeadRole: String, Sendable, CaseIterable {
    case metaSink = "meta-sink"
    case bosSink = "BOS-sink"
    case local
    case longRange = "long-range"
    case mixed
}

/// The head-role rule, checked in this order (first match wins):
///
/// ```
/// meta-sink    meta share ≥ sinkShare
/// BOS-sink     BOS share  ≥ sinkShare
/// local        reach ≤ localDistance          reach = mean distance (attention heads),
/// long-range   reach ≥ longRangeDistance              effective memory length (SSM heads)
/// mixed        otherwise (also when reach is undefined)
/// ```
/// Shares are the head's `attn_mass` / `ssm_mass` classes; distances are in tokens and count
/// only the mass on non-BOS real tokens (see `HeadStatistics`). Defaults: sinkShare 0.5,
/// localDistance 4, longRangeDistance 32 — half the mass is the natural line for "a sink"; 4 and
/// 32 tokens separate "the last few tokens" from "across a sentence or more" in passages of a
/// few hundred tokens.
public struct HeadRoleRule: Equatable, Sendable {
    public var sinkShare: Double
    public var localDistance: Double
    public var longRangeDistance: Double

    public static let defaultSinkShare = 0.5
    public static let defaultLocalDistance = 4.0
    public static let defaultLongRangeDistance = 32.0

    /// - Throws: `AnalysisError.invalidArgument` for a share outside (0, 1] or distances that
    ///   are negative or not ordered.
    public init(sinkShare: Double = defaultSinkShare, localDistance: Double = defaultLocalDistance,
                longRangeDistance: Double = defaultLongRangeDistance) throws {
        guard sinkShare > 0, sinkShare <= 1 else {
            throw AnalysisError.invalidArgument("the sink share must be in (0, 1], got \(sinkShare)")
        }
        guard localDistance >= 0, localDistance < longRangeDistance, longRangeDistance.isFinite else {
            throw AnalysisError.invalidArgument("distances must satisfy 0 ≤ local (\(localDistance)) < long-range (\(longRangeDistance))")
        }
        self.sinkShare = sinkShare
        self.localDistance = localDistance
        self.longRangeDistance = longRangeDistance
    }

    public func role(of head: HeadStatistics) -> HeadRole {
        role(mass: head.mass, reach: head.reach)
    }

    public func role(mass: MassShares, reach: Double) -> HeadRole {
        if mass.meta >= sinkShare { return .metaSink }
        if mass.bos >= sinkShare { return .bosSink }
        guard reach.isFinite else { return .mixed }
        if reach <= localDistance { return .local }
        if reach >= longRangeDistance { return .longRange }
        return .mixed
    }
}
