/// Makes any token string safe and visible as a one-line label.
///
/// Tokens are arbitrary: SentencePiece's `▁`, byte tokens such as `<0x0A>`, bare newlines, tabs,
/// zero-width characters, empty strings. Drawn raw, a newline would break the layout and a
/// zero-width space would be invisible. HymbaPlot draws all text as plain text (never Pango markup),
/// so `<` and `&` need no escaping; what needs care is what cannot be seen.
public enum TokenLabel {
    /// The label drawn for `token`:
    /// - `\n`, `\r`, `\t` become the two characters `\n`, `\r`, `\t`;
    /// - other control characters (C0, DEL, C1) become `\xHH`;
    /// - invisible format characters and line/paragraph separators (U+200B, U+FEFF, U+2028, …)
    ///   become `\u{XXXX}`;
    /// - a token made only of spaces shows each space as `␣`; the empty token shows `∅`.
    /// Everything else (letters, `▁`, CJK, emoji, `<0x0A>` written out) is kept as is.
    public static func visible(_ token: String) -> String {
        if token.isEmpty { return "∅" }
        if token.unicodeScalars.allSatisfy({ $0 == " " }) {
            return String(repeating: "␣", count: token.unicodeScalars.count)
        }
        return escapingInvisibles(token)
    }

    /// Escapes control and invisible format characters (see `visible(_:)`) and nothing else.
    /// Applied to every string HymbaPlot draws, titles included, so no text can break a layout.
    public static func escapingInvisibles(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            let escaped: String
            switch scalar {
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                if scalar.value < 0x100 {
                    escaped = "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    escaped = "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
                }
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned:
            return true
        default:
            return false
        }
    }
}
