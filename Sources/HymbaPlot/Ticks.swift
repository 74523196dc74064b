import Foundation

/// One tick on an axis or colour bar. Minor ticks carry no label.
struct Tick: Equatable {
    var value: Double
    var label: String
    var isMinor: Bool = false
}

/// "Nice" tick positions: steps of 1, 2, 2.5 or 5 × 10ⁿ on linear axes, whole decades (with
/// 2× and 5× subdivisions when the range is narrow) on log axes.
enum TickGenerator {
    /// Mantissas a step may have, as in matplotlib's MaxNLocator.
    static let niceMantissas: [Double] = [1, 2, 2.5, 5, 10]

    /// The smallest nice step that gives at most about `targetCount` intervals over `span`.
    static func niceStep(span: Double, targetCount: Int, integerOnly: Bool = false) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, targetCount))
        let magnitude = pow(10, floor(log10(raw)))
        var step = magnitude * 10
        for mantissa in niceMantissas where mantissa * magnitude >= raw * (1 - 1e-9) {
            step = mantissa * magnitude
            break
        }
        if integerOnly {
            step = max(1, step.rounded(.up))
            if step > 1, step.truncatingRemainder(dividingBy: 5) != 0, step < 10 {
                step = step <= 2 ? 2 : 5
            }
        }
        return step
    }

    /// Multiples of a nice step inside `lower...upper` (inclusive, with float slack).
    static func linear(lower: Double, upper: Double, targetCount: Int,
                       integerOnly: Bool = false) -> [Tick] {
        guard lower.isFinite, upper.isFinite, upper > lower else {
            return lower.isFinite ? [Tick(value: lower, label: TickFormatter.plain(lower))] : []
        }
        let step = niceStep(span: upper - lower, targetCount: targetCount, integerOnly: integerOnly)
        let slack = step * 1e-9
        let first = (lower / step - 1e-9).rounded(.up)
        var values: [Double] = []
        var k = first
        while k * step <= upper + slack, values.count < 1000 {
            let v = k * step
            values.append(abs(v) < slack ? 0 : v)
            k += 1
        }
        return TickFormatter.label(values: values, step: step)
    }

    /// Decade ticks 10ⁿ (every k-th decade if there are too many), minor ticks at 2…9 × 10ⁿ when
    /// the range spans few decades, and 2× / 5× labelled ticks when it spans less than ~1 decade.
    static func logarithmic(lower: Double, upper: Double, maxMajorCount: Int) -> [Tick] {
        guard lower > 0, upper > lower, lower.isFinite, upper.isFinite else { return [] }
        let lowExponent = Int(floor(log10(lower) + 1e-9))
        let highExponent = Int(ceil(log10(upper) - 1e-9))
        let inRange = { (v: Double) in v >= lower * (1 - 1e-9) && v <= upper * (1 + 1e-9) }
        let decades = (lowExponent...highExponent).map { $0 }
        let visibleDecades = decades.filter { inRange(pow(10, Double($0))) }

        if visibleDecades.count < 2 {
            // Narrow range: label 1, 2, 5 × 10ⁿ.
            var ticks: [Tick] = []
            for exponent in decades {
                for mantissa in [1.0, 2, 5] {
                    let v = mantissa * pow(10, Double(exponent))
                    if inRange(v) { ticks.append(Tick(value: v, label: TickFormatter.logLabel(v))) }
                }
            }
            if ticks.count >= 2 { return ticks }
            return linear(lower: lower, upper: upper, targetCount: 3)
        }

        let stride = max(1, Int(ceil(Double(visibleDecades.count) / Double(max(1, maxMajorCount)))))
        // Over two decades or less, 2× and 5× ticks are labelled too, so the axis has more than
        // two numbers on it.
        let labelSubdivisions = visibleDecades.count <= 2
        var ticks: [Tick] = []
        for exponent in decades {
            let decade = pow(10, Double(exponent))
            if inRange(decade), (exponent - visibleDecades[0]) % stride == 0 {
                ticks.append(Tick(value: decade, label: labelSubdivisions ? TickFormatter.logLabel(decade)
                                                                         : TickFormatter.power(of: exponent)))
            }
            if stride == 1, visibleDecades.count <= 8 {
                for mantissa in 2...9 {
                    let v = Double(mantissa) * decade
                    guard inRange(v) else { continue }
                    if labelSubdivisions, mantissa == 2 || mantissa == 5 {
                        ticks.append(Tick(value: v, label: TickFormatter.logLabel(v)))
                    } else {
                        ticks.append(Tick(value: v, label: "", isMinor: true))
                    }
                }
            }
        }
        return ticks.sorted { $0.value < $1.value }
    }
}

/// Number formatting for tick labels: as few decimals as the step needs, a true minus sign, and
/// scientific "m×10ⁿ" when values are very large or very small.
enum TickFormatter {
    static let minus = "\u{2212}"

    static func label(values: [Double], step: Double) -> [Tick] {
        let largest = values.map(abs).max() ?? 0
        if largest >= 1e5 || (largest > 0 && largest < 1e-3) {
            let exponent = Int(floor(log10(largest)))
            let scale = pow(10, Double(exponent))
            let digits = decimals(forStep: step / scale)
            return values.map { v in
                if v == 0 { return Tick(value: v, label: "0") }
                return Tick(value: v, label: fixed(v / scale, digits: digits) + "×" + power(of: exponent, tenOnly: false))
            }
        }
        let digits = decimals(forStep: step)
        return values.map { Tick(value: $0, label: fixed($0, digits: digits)) }
    }

    /// Decimals needed to tell apart multiples of `step` (0.25 → 2, 2.5 → 1, 20 → 0).
    static func decimals(forStep step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        var digits = max(0, -Int(floor(log10(step) + 1e-9)))
        let mantissa = step / pow(10, floor(log10(step) + 1e-9))
        if abs(mantissa - 2.5) < 1e-6, step < 10 { digits += 1 }
        return min(digits, 12)
    }

    static func fixed(_ value: Double, digits: Int) -> String {
        var text = String(format: "%.\(digits)f", value)
        if text.hasPrefix("-") {
            let body = text.dropFirst()
            text = body.allSatisfy({ $0 == "0" || $0 == "." }) ? String(body) : minus + body
        }
        return text
    }

    /// A value with sensible precision and no step context (cell annotations, plain labels).
    static func plain(_ value: Double, significant: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : minus + "∞") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 {
            let exponent = Int(floor(log10(magnitude)))
            let mantissa = value / pow(10, Double(exponent))
            return fixed(mantissa, digits: max(0, significant - 1)) + "×" + power(of: exponent, tenOnly: false)
        }
        let digits = max(0, significant - 1 - Int(floor(log10(magnitude))))
        var text = fixed(value, digits: digits)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// "10³", "10⁻²"; with `tenOnly` false the same text serves as the exponent part of m×10ⁿ.
    static func power(of exponent: Int, tenOnly: Bool = true) -> String {
        let superscripts: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
            "8": "⁸", "9": "⁹", "-": "⁻",
        ]
        return "10" + String(String(exponent).map { superscripts[$0] ?? $0 })
    }

    /// Labels for 1/2/5 × 10ⁿ ticks on a narrow log axis: plain numbers within 0.001…10⁴.
    static func logLabel(_ value: Double) -> String {
        let exponent = Int(floor(log10(value) + 1e-9))
        if exponent >= -3 && exponent <= 4 { return plain(value) }
        let mantissa = (value / pow(10, Double(exponent))).rounded()
        return mantissa == 1 ? power(of: exponent) : "\(Int(mantissa))×" + power(of: exponent)
    }
}
