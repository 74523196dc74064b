/// Decodes a Jinja string literal's body the way Jinja does: non-ASCII characters are first
/// written as backslash escapes, then the whole is read with Python's unicode-escape codec. So
/// `\n`, `\t`, `\\`, `\'`, `\x41`, `\u00e9`, octal `\101` work; an unknown escape like `\d` stays
/// as written; and a backslash before a non-ASCII character escapes the first character of that
/// character's `\x..` form (Jinja's quirk, kept).
enum PythonEscapes {
    static func decode(_ body: ArraySlice<Unicode.Scalar>, at location: SourceLocation) throws -> String {
        guard body.contains("\\") else { return PythonText.string(body) }
        var ascii: [Unicode.Scalar] = []
        for scalar in body {
            if scalar.isASCII { ascii.append(scalar) } else { ascii.append(contentsOf: PythonText.hexEscape(scalar).unicodeScalars) }
        }
        var out = String.UnicodeScalarView()
        var index = 0
        func hexValue(_ count: Int) throws -> UInt32 {
            guard index + count <= ascii.count,
                  let value = UInt32(PythonText.string(ascii[index..<(index + count)]), radix: 16) else {
                throw TemplateFailure.syntax("truncated \\x, \\u or \\U escape in a string", at: location)
            }
            index += count
            return value
        }
        while index < ascii.count {
            let scalar = ascii[index]
            index += 1
            guard scalar == "\\" else { out.append(scalar); continue }
            guard index < ascii.count else { throw TemplateFailure.syntax("a string ends with a lone backslash", at: location) }
            let escape = ascii[index]
            index += 1
            switch escape {
            case "\n": break
            case "\\", "'", "\"": out.append(escape)
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var value = escape.value - 0x30
                var digits = 1
                while digits < 3, index < ascii.count, ("0"..."7").contains(ascii[index]) {
                    value = value * 8 + (ascii[index].value - 0x30)
                    index += 1
                    digits += 1
                }
                // At most 0o777 = 511: always a valid scalar.
                out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            case "x", "u", "U":
                let value = try hexValue(escape == "x" ? 2 : escape == "u" ? 4 : 8)
                guard let decoded = Unicode.Scalar(value) else {
                    throw TemplateFailure(kind: .unsupported,
                                          message: "the escape for U+\(String(value, radix: 16, uppercase: true)) (a surrogate or beyond Unicode)",
                                          location: location)
                }
                out.append(decoded)
            case "N":
                throw TemplateFailure(kind: .unsupported, message: "a \\N{...} named-character escape", location: location)
            default:
                out.append("\\")
                out.append(escape)
            }
        }
        return String(out)
    }
}
