import Foundation

/// How data values map onto the 0...1 range of a colour map.
///
/// Limits left `nil` come from the data (finite, unmasked values only). Values beyond the limits
/// are clipped to the ends of the map, as matplotlib does.
public enum Norm: Hashable, Sendable {
    /// t = (v − min) / (max − min).
    case linear(min: Double? = nil, max: Double? = nil)
    /// t = (log v − log min) / (log max − log min). Values ≤ 0 get the lowest colour.
    /// Automatic `min` is the smallest positive value, but at most 6 decades below `max`, so a
    /// single underflowed probability cannot wash the whole map into one colour.
    case log(min: Double? = nil, max: Double? = nil)
    /// t = ((v − min) / (max − min))^gamma; gamma < 1 lifts small values (e.g. faint attention).
    case power(gamma: Double, min: Double? = nil, max: Double? = nil)
    /// Linear from −limit to +limit with 0 in the middle: for differences with a diverging map.
    /// Automatic `limit` is the largest absolute value.
    case symmetric(limit: Double? = nil)

    /// How many decades below the maximum an automatic log lower limit may reach.
    public static let automaticLogDecades = 6.0
}

/// A norm with its limits fixed against a particular data set.
struct ResolvedNorm: Equatable {
    /// Which visible values the limits cut off (drawn in the end colours): the colour bar marks
    /// a clipped end with a triangle, as matplotlib's `extend`, so the reader knows the top
    /// colour means "this much or more".
    struct Clipping: Equatable {
        var below = false
        var above = false
    }

    /// The clipping of `values` (finite ones) by these limits. For a log scale values ≤ 0 are
    /// not counted: they are the "zero" colour by definition, not cut off.
    func clipping(of values: some Sequence<Double>) -> Clipping {
        let tolerance = (upper - lower) * 1e-9
        var result = Clipping()
        for v in values where v.isFinite {
            if v > upper + tolerance { result.above = true }
            if v < lower - tolerance && !(kind == .log && v <= 0) { result.below = true }
            if result.above && result.below { break }
        }
        return result
    }

    enum Kind: Equatable { case linear, log, power(Double) }

    let kind: Kind
    let lower: Double
    let upper: Double

    /// - Parameter values: data whose finite entries supply missing limits.
    /// - Throws: `PlotError.invalidNorm` for impossible limits, `.noFiniteValues` for no data.
    init(_ norm: Norm, values: [Double], what: String) throws {
        func dataRange() throws -> (Double, Double) {
            var low = Double.infinity, high = -Double.infinity
            for v in values where v.isFinite {
                low = Swift.min(low, v)
                high = Swift.max(high, v)
            }
            guard low <= high else { throw PlotError.noFiniteValues(what: what) }
            return (low, high)
        }
        func checked(_ limit: Double?, _ name: String) throws -> Double? {
            if let limit, !limit.isFinite {
                throw PlotError.invalidNorm("\(name) must be finite, got \(limit)")
            }
            return limit
        }

        switch norm {
        case .linear(let min, let max), .power(_, let min, let max):
            var low = try checked(min, "min"), high = try checked(max, "max")
            if low == nil || high == nil {
                let (dataLow, dataHigh) = try dataRange()
                low = low ?? Swift.min(dataLow, high ?? dataLow)
                high = high ?? Swift.max(dataHigh, low!)
            }
            guard low! <= high! else {
                throw PlotError.invalidNorm("min \(low!) is greater than max \(high!)")
            }
            (lower, upper) = Self.widenedIfFlat(low!, high!)
            if case .power(let gamma, _, _) = norm {
                guard gamma.isFinite, gamma > 0 else {
                    throw PlotError.invalidNorm("power gamma must be positive, got \(gamma)")
                }
                kind = .power(gamma)
            } else {
                kind = .linear
            }

        case .log(let min, let max):
            let low = try checked(min, "min"), high = try checked(max, "max")
            if let low, low <= 0 { throw PlotError.invalidNorm("log scale min must be > 0, got \(low)") }
            if let high, high <= 0 { throw PlotError.invalidNorm("log scale max must be > 0, got \(high)") }
            var top = high, bottom = low
            if top == nil || bottom == nil {
                let positive = values.filter { $0.isFinite && $0 > 0 }
                guard let dataHigh = positive.max(), let dataLow = positive.min() else {
                    if values.contains(where: { $0.isFinite }) {
                        throw PlotError.invalidNorm("log scale needs at least one positive value")
                    }
                    throw PlotError.noFiniteValues(what: what)
                }
                top = top ?? Swift.max(dataHigh, bottom ?? dataHigh)
                bottom = bottom ?? Swift.min(
                    Swift.max(dataLow, top! / pow(10, Norm.automaticLogDecades)), top!)
            }
            guard bottom! <= top! else {
                throw PlotError.invalidNorm("min \(bottom!) is greater than max \(top!)")
            }
            kind = .log
            if bottom! == top! {
                (lower, upper) = (bottom! / sqrt(10), top! * sqrt(10))
            } else {
                (lower, upper) = (bottom!, top!)
            }

        case .symmetric(let limit):
            var bound = try checked(limit, "limit")
            if let given = bound, given <= 0 {
                throw PlotError.invalidNorm("symmetric limit must be > 0, got \(given)")
            }
            if bound == nil {
                let (low, high) = try dataRange()
                bound = Swift.max(abs(low), abs(high))
                if bound == 0 { bound = 1 }
            }
            kind = .linear
            (lower, upper) = (-bound!, bound!)
        }
    }

    /// All-equal data still needs a non-empty range; keep the value in the middle.
    private static func widenedIfFlat(_ low: Double, _ high: Double) -> (Double, Double) {
        guard low == high else { return (low, high) }
        if low == 0 { return (0, 1) }
        let half = abs(low) * 0.05
        return (low - half, high + half)
    }

    /// Position of `value` on the colour map, clamped to 0...1; NaN for non-finite values.
    func fraction(_ value: Double) -> Double {
        guard value.isFinite else { return .nan }
        let t: Double
        switch kind {
        case .linear:
            t = (value - lower) / (upper - lower)
        case .power(let gamma):
            let linear = min(max((value - lower) / (upper - lower), 0), 1)
            t = pow(linear, gamma)
        case .log:
            guard value > 0 else { return 0 }
            t = (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return min(max(t, 0), 1)
    }

    /// Ticks for a colour bar `length` points long.
    func ticks(length: Double) -> [Tick] {
        let target = max(4, min(8, Int(length / 30)))
        switch kind {
        case .log:
            return TickGenerator.logarithmic(lower: lower, upper: upper, maxMajorCount: target + 1)
        case .linear, .power:
            return TickGenerator.linear(lower: lower, upper: upper, targetCount: target)
        }
    }
}
