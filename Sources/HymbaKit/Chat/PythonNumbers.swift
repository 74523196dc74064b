/// Python's conversions between numbers and text, which templates see through `{{ 0.1 }}`,
/// `tojson`, `|int` and `|float`.
enum PythonNumbers {
    /// `repr(float)`: the shortest digits that read back to the same double, in fixed notation
    /// when the decimal exponent is in -4 ..< 16 and scientific (`1e+16`, `1.5e-05`) otherwise.
    static func floatRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // Swift's description has the shortest round-trip digits; only its layout differs.
        let (negative, digits, exponent) = shortestDigits(value)
        let sign = negative ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
            }
            let integerCount = exponent + 1
            if digits.count <= integerCount {
                return sign + digits + String(repeating: "0", count: integerCount - digits.count) + ".0"
            }
            let split = digits.index(digits.startIndex, offsetBy: integerCount)
            return sign + digits[..<split] + "." + digits[split...]
        }
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        let exponentDigits = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exponentDigits.count < 2 ? "0" : "") + exponentDigits
    }

    /// The shortest round-trip decimal digits of a finite double (no leading or trailing zeros,
    /// "0" for zero) and the decimal exponent of the first digit.
    private static func shortestDigits(_ value: Double) -> (negative: Bool, digits: String, exponent: Int) {
        var text = Substring(value.description)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        let pointOffset = text.firstIndex(of: ".").map { text.distance(from: text.startIndex, to: $0) } ?? text.count
        var digits = text.filter { $0 != "." }
        // Position of the first nonzero digit relative to the point gives the exponent.
        let leadingZeros = digits.prefix(while: { $0 == "0" }).count
        if leadingZeros == digits.count { return (negative, "0", 0) }
        digits.removeFirst(leadingZeros)
        while digits.hasSuffix("0") { digits.removeLast() }
        exponent += pointOffset - leadingZeros - 1
        return (negative, digits, exponent)
    }

    /// Python's `int(text, base)` for bases 2–36 and 0: whitespace around, a sign, single
    /// underscores between digits, a 0b/0o/0x prefix when the base allows it.
    static func parseInteger(_ text: String, base: Int) -> Int? {
        var body = PythonText.strip(text, characters: nil)
        var negative = false
        if body.hasPrefix("-") || body.hasPrefix("+") {
            negative = body.hasPrefix("-")
            body.removeFirst()
        }
        var radix = base
        let lower = body.lowercased()
        for (prefix, prefixRadix) in [("0b", 2), ("0o", 8), ("0x", 16)] where lower.hasPrefix(prefix) && (base == 0 || base == prefixRadix) {
            radix = prefixRadix
            body = String(body.dropFirst(2))
            if body.hasPrefix("_") { body.removeFirst() }
        }
        if radix == 0 {
            radix = 10
            if body.count > 1, body.hasPrefix("0"), body.contains(where: { $0 != "0" && $0 != "_" }) { return nil }
        }
        guard (2...36).contains(radix), !body.isEmpty, !body.hasPrefix("_"), !body.hasSuffix("_"), !body.contains("__") else { return nil }
        guard body.unicodeScalars.allSatisfy({ $0.isASCII }), let magnitude = Int(body.filter { $0 != "_" }, radix: radix) else {
            return nil
        }
        return negative ? -magnitude : magnitude
    }

    /// Python's `float(text)`: decimal and exponent forms with underscores, inf, nan, infinity.
    static func parseFloat(_ text: String) -> Double? {
        let body = PythonText.strip(text, characters: nil)
        guard !body.isEmpty, body.unicodeScalars.allSatisfy({ $0.isASCII }) else { return nil }
        var unsigned = Substring(body)
        var sign = 1.0
        if unsigned.hasPrefix("-") || unsigned.hasPrefix("+") {
            sign = unsigned.hasPrefix("-") ? -1 : 1
            unsigned = unsigned.dropFirst()
        }
        switch unsigned.lowercased() {
        case "inf", "infinity": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        // Digits, optionally one point, optionally an exponent; underscores only between digits.
        let characters = Array(unsigned)
        var index = 0
        var digits = ""
        func digitRun() -> Bool {
            guard index < characters.count, characters[index].isASCII, characters[index].isNumber else { return false }
            while index < characters.count {
                if characters[index].isASCII, characters[index].isNumber {
                    digits.append(characters[index])
                    index += 1
                } else if characters[index] == "_", index + 1 < characters.count, characters[index + 1].isASCII, characters[index + 1].isNumber {
                    index += 1
                } else {
                    break
                }
            }
            return true
        }
        let whole = digitRun()
        var fraction = false
        if index < characters.count, characters[index] == "." {
            digits.append(".")
            index += 1
            fraction = digitRun()
        }
        guard whole || fraction else { return nil }
        if index < characters.count, characters[index] == "e" || characters[index] == "E" {
            digits.append("e")
            index += 1
            if index < characters.count, characters[index] == "+" || characters[index] == "-" {
                digits.append(characters[index])
                index += 1
            }
            guard digitRun() else { return nil }
        }
        guard index == characters.count, let value = Double(digits) else { return nil }
        return sign * value
    }
}
