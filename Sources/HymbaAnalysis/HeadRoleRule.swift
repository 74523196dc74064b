import HymbaKit

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
/// local        reach ≤ localDistance                      (tokens)
/// long-range   reach ≥ longRangeFraction · uniform reach
/// mixed        otherwise (also when reach is undefined)
/// ```
/// Shares are the head's `attn_mass` / `ssm_mass` classes. Reach is the mean distance for
/// attention heads and the effective memory length (90 % span) for SSM heads, both over the
/// mass on non-BOS real tokens (see `HeadStatistics`). "Uniform reach" is the same statistic for
/// a head that spreads its content mass evenly over the same rows (`ReachBaseline`), so
/// "long-range" means "reads back nearly as far as the passage (or window) allows", whatever the
/// passage length; "local" is absolute, "the last few tokens".
///
/// Defaults: sinkShare 0.5 (half the mass is the natural line for a sink), localDistance 4
/// tokens, longRangeFraction 0.75.
public struct HeadRoleRule: Equatable, Sendable {
    public var sinkShare: Double
    public var localDistance: Double
    public var longRangeFraction: Double

    public static let defaultSinkShare = 0.5
    public static let defaultLocalDistance = 4.0
    public static let defaultLongRangeFraction = 0.75

    /// - Throws: `AnalysisError.invalidArgument` for a share outside (0, 1], a negative
    ///   distance or a fraction that is not positive.
    public init(sinkShare: Double = defaultSinkShare, localDistance: Double = defaultLocalDistance,
                longRangeFraction: Double = defaultLongRangeFraction) throws {
        guard sinkShare > 0, sinkShare <= 1 else {
            throw AnalysisError.invalidArgument("the sink share must be in (0, 1], got \(sinkShare)")
        }
        guard localDistance >= 0, localDistance.isFinite else {
            throw AnalysisError.invalidArgument("the local distance must be ≥ 0 tokens, got \(localDistance)")
        }
        guard longRangeFraction > 0, longRangeFraction.isFinite else {
            throw AnalysisError.invalidArgument("the long-range fraction must be > 0, got \(longRangeFraction)")
        }
        self.sinkShare = sinkShare
        self.localDistance = localDistance
        self.longRangeFraction = longRangeFraction
    }

    public func role(of head: HeadStatistics, baseline: ReachBaseline) -> HeadRole {
        role(mass: head.mass, reach: head.reach, uniformReach: baseline.uniformReach(of: head))
    }

    public func role(mass: MassShares, reach: Double, uniformReach: Double) -> HeadRole {
        if mass.meta >= sinkShare { return .metaSink }
        if mass.bos >= sinkShare { return .bosSink }
        guard reach.isFinite else { return .mixed }
        if reach <= localDistance { return .local }
        if uniformReach.isFinite, uniformReach > 0, reach >= longRangeFraction * uniformReach { return .longRange }
        return .mixed
    }
}

/// The uniform reach each head is compared with: for attention heads the mean distance of
/// uniform attention over the same passages with the layer's window (global layers: none), for
/// SSM heads the 90 % span of uniform mass over the whole causal past (a scan has no window).
/// See `UniformReach`.
public struct ReachBaseline: Equatable, Sendable {
    /// Per layer, the uniform mean distance of its attention mask.
    public let attentionMeanDistance: [Double]
    /// The uniform 90 % span without a window.
    public let ssmSpan90: Double

    public init(attentionMeanDistance: [Double], ssmSpan90: Double) {
        self.attentionMeanDistance = attentionMeanDistance
        self.ssmSpan90 = ssmSpan90
    }

    /// - Parameter tokenCounts: the lengths of the passages the head statistics come from.
    public init(config: HymbaConfig, tokenCounts: [Int]) {
        let global = UniformReach.expected(tokenCounts: tokenCounts, window: nil)
        let sliding = config.slidingWindow.map { UniformReach.expected(tokenCounts: tokenCounts, window: $0) }
        attentionMeanDistance = (0..<config.hiddenLayers).map { layer in
            config.isGlobal(layer: layer) ? global.meanDistance : (sliding?.meanDistance ?? global.meanDistance)
        }
        ssmSpan90 = global.span90
    }

    public func uniformReach(of head: HeadStatistics) -> Double {
        switch head.kind {
        case .attention: return attentionMeanDistance.indices.contains(head.layer) ? attentionMeanDistance[head.layer] : .nan
        case .ssm: return ssmSpan90
        }
    }
}
