/// Python's string operations on Unicode scalars, which is what a Python `str` holds.
///
/// Why not Swift's `String` methods: Swift compares, counts and splits by grapheme clusters
/// under canonical equivalence, Python by code points. `len("é")` (e + combining accent) is 2
/// in Python and 1 Character in Swift; `"\r\n".split("\n")` splits in Python but not on Swift
/// Characters. Templates run on Python's rules, so these helpers do too.
enum PythonText {
    /// `str.isspace()` for one character — also what `\s` matches in Python's `re` and what
    /// `strip()` removes: Unicode White_Space plus the four separators U+001C–U+001F.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20: return true
        case 0..<0x80: return false
        default: return scalar.properties.isWhitespace
        }
    }

    static func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Code-point equality (Swift's `==` on String is canonical equivalence).
    static func equal(_ left: String, _ right: String) -> Bool {
        left.unicodeScalars.elementsEqual(right.unicodeScalars)
    }

    /// Code-point order, as Python's `<` on str.
    static func less(_ left: String, _ right: String) -> Bool {
        left.unicodeScalars.lexicographicallyPrecedes(right.unicodeScalars) { $0.value < $1.value }
    }

    static func length(_ text: String) -> Int { text.unicodeScalars.count }

    // MARK: - strip, split, replace

    /// `strip`, `lstrip`, `rstrip`: `characters` nil removes whitespace, else any of its characters.
    static func strip(_ text: String, characters: String?, leading: Bool = true, trailing: Bool = true) -> String {
        let set = characters.map { Set($0.unicodeScalars.map(\.value)) }
        let remove: (Unicode.Scalar) -> Bool = { scalar in set.map { $0.contains(scalar.value) } ?? isSpace(scalar) }
        let items = scalars(text)
        var start = 0, end = items.count
        if leading { while start < end && remove(items[start]) { start += 1 } }
        if trailing { while end > start && remove(items[end - 1]) { end -= 1 } }
        return string(items[start..<end])
    }

    /// `str.split(sep, maxsplit)`; `sep` nil splits on runs of whitespace and drops empty ends.
    static func split(_ text: String, separator: String?, maxSplit: Int) throws -> [String] {
        let items = scalars(text)
        guard let separator else {
            var parts: [String] = []
            var index = 0
            while index < items.count {
                while index < items.count && isSpace(items[index]) { index += 1 }
                guard index < items.count else { break }
                if maxSplit >= 0 && parts.count == maxSplit {
                    // The rest, trailing whitespace and all (Python keeps it).
                    parts.append(string(items[index...]))
                    return parts
                }
                let start = index
                while index < items.count && !isSpace(items[index]) { index += 1 }
                parts.append(string(items[start..<index]))
            }
            return parts
        }
        let needle = scalars(separator)
        guard !needle.isEmpty else { throw TemplateFailure.runtime("split: empty separator") }
        var parts: [String] = []
        var start = 0
        for match in matches(of: needle, in: items, limit: maxSplit < 0 ? Int.max : maxSplit) {
            parts.append(string(items[start..<match]))
            start = match + needle.count
        }
        parts.append(string(items[start...]))
        return parts
    }

    /// `str.rsplit(sep, maxsplit)`: like `split`, counting splits from the right.
    static func rsplit(_ text: String, separator: String?, maxSplit: Int) throws -> [String] {
        guard maxSplit >= 0 else { return try split(text, separator: separator, maxSplit: maxSplit) }
        let reversedText = string(scalars(text).reversed())
        let reversedSeparator = separator.map { string(scalars($0).reversed()) }
        return try split(reversedText, separator: reversedSeparator, maxSplit: maxSplit)
            .reversed().map { string(scalars($0).reversed()) }
    }

    /// Python's line boundaries for `splitlines`.
    static func isLineBoundary(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `str.splitlines(keepends)`: `\r\n` is one boundary.
    static func splitLines(_ text: String, keepEnds: Bool = false) -> [String] {
        let items = scalars(text)
        var lines: [String] = []
        var start = 0, index = 0
        while index < items.count {
            guard isLineBoundary(items[index]) else { index += 1; continue }
            var end = index + 1
            if items[index] == "\r", end < items.count, items[end] == "\n" { end += 1 }
            lines.append(string(items[start..<(keepEnds ? end : index)]))
            start = end
            index = end
        }
        if start < items.count { lines.append(string(items[start...])) }
        return lines
    }

    /// `str.replace(old, new, count)`; an empty `old` inserts `new` around every character.
    static func replace(_ text: String, _ old: String, _ new: String, count: Int, maximumLength: Int) throws -> String {
        let items = scalars(text), needle = scalars(old), replacement = scalars(new)
        var out: [Unicode.Scalar] = []
        var replaced = 0
        func grow(_ piece: ArraySlice<Unicode.Scalar>) throws {
            out.append(contentsOf: piece)
            if out.count > maximumLength { throw TemplateFailure.limit("replace() would build a string longer than \(maximumLength) characters") }
        }
        if needle.isEmpty {
            for (offset, scalar) in items.enumerated() {
                if count < 0 || replaced < count { try grow(replacement[...]); replaced += 1 }
                out.append(scalar)
                _ = offset
            }
            if count < 0 || replaced < count { try grow(replacement[...]) }
            return string(out)
        }
        var start = 0
        for match in matches(of: needle, in: items, limit: count < 0 ? Int.max : count) {
            try grow(items[start..<match])
            try grow(replacement[...])
            start = match + needle.count
        }
        try grow(items[start...])
        return string(out)
    }

    /// Where `needle` first (or last) occurs (`str.find`, `str.rfind`), -1 if nowhere.
    static func find(_ text: String, _ needle: String, fromEnd: Bool = false) -> Int {
        let items = scalars(text), pattern = scalars(needle)
        guard pattern.count <= items.count else { return -1 }
        if pattern.isEmpty { return fromEnd ? items.count : 0 }
        if fromEnd {
            // The last occurrence is the first one in the reversed text.
            let match = matches(of: Array(pattern.reversed()), in: Array(items.reversed()), limit: 1).first
            return match.map { items.count - $0 - pattern.count } ?? -1
        }
        return matches(of: pattern, in: items, limit: 1).first ?? -1
    }

    /// Non-overlapping occurrences (`str.count`); an empty needle counts the gaps.
    static func count(_ text: String, _ needle: String) -> Int {
        let items = scalars(text), pattern = scalars(needle)
        guard !pattern.isEmpty else { return items.count + 1 }
        return matches(of: pattern, in: items, limit: Int.max).count
    }

    /// The starts of the leftmost non-overlapping occurrences of a non-empty `needle`, at most
    /// `limit` of them, in time linear in both lengths (Knuth–Morris–Pratt): templates are
    /// input, and a naive search of a long needle in a long text would take hours.
    static func matches(of needle: [Unicode.Scalar], in text: [Unicode.Scalar], limit: Int) -> [Int] {
        guard !needle.isEmpty, needle.count <= text.count, limit > 0 else { return [] }
        // failure[i]: length of the longest proper border of needle[0...i].
        var failure = [Int](repeating: 0, count: needle.count)
        var border = 0
        for index in 1..<max(needle.count, 1) {
            while border > 0 && needle[index] != needle[border] { border = failure[border - 1] }
            if needle[index] == needle[border] { border += 1 }
            failure[index] = border
        }
        var found: [Int] = []
        var matched = 0
        for (index, scalar) in text.enumerated() {
            while matched > 0 && scalar != needle[matched] { matched = failure[matched - 1] }
            if scalar == needle[matched] { matched += 1 }
            if matched == needle.count {
                found.append(index + 1 - needle.count)
                if found.count == limit { break }
                matched = 0   // non-overlapping: start afresh after a match
            }
        }
        return found
    }

    static func contains(_ text: String, _ needle: String) -> Bool {
        needle.isEmpty || find(text, needle) >= 0
    }

    // MARK: - Case

    private static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") }
        return scalar.properties.isCased
    }

    /// Case mappings with an ASCII fast path: Unicode's full mappings are a table lookup and
    /// a String per character, far too slow for long texts that are mostly ASCII.
    private static func appendLowered(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        if scalar.isASCII {
            out.append(scalar >= "A" && scalar <= "Z" ? Unicode.Scalar(scalar.value + 32)! : scalar)
        } else {
            out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
    }

    private static func appendUppered(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        if scalar.isASCII {
            out.append(scalar >= "a" && scalar <= "z" ? Unicode.Scalar(scalar.value - 32)! : scalar)
        } else {
            out.append(contentsOf: scalar.properties.uppercaseMapping.unicodeScalars)
        }
    }

    private static func appendTitled(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        if scalar.isASCII { appendUppered(scalar, to: &out) } else {
            out.append(contentsOf: scalar.properties.titlecaseMapping.unicodeScalars)
        }
    }

    /// `str.lower()`: full lowercase mappings, with Greek capital sigma becoming final ς at a
    /// word end (Python's one context-dependent rule).
    static func lower(_ text: String) -> String {
        let items = scalars(text)
        var out = String.UnicodeScalarView()
        for (index, scalar) in items.enumerated() {
            if scalar.value == 0x03A3 {
                out.append(isFinalSigma(items, index) ? "\u{03C2}" : "\u{03C3}")
            } else {
                appendLowered(scalar, to: &out)
            }
        }
        return String(out)
    }

    private static func isFinalSigma(_ items: [Unicode.Scalar], _ index: Int) -> Bool {
        var before = index - 1
        while before >= 0 && items[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, isCased(items[before]) else { return false }
        var after = index + 1
        while after < items.count && items[after].properties.isCaseIgnorable { after += 1 }
        return after == items.count || !isCased(items[after])
    }

    static func upper(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { appendUppered(scalar, to: &out) }
        return String(out)
    }

    /// `str.title()`: a cased character after an uncased one is title-cased, the others lowered.
    static func title(_ text: String) -> String {
        let items = scalars(text)
        var out = String.UnicodeScalarView()
        var previousCased = false
        for (index, scalar) in items.enumerated() {
            if isCased(scalar) {
                if previousCased {
                    if scalar.value == 0x03A3 {
                        out.append(isFinalSigma(items, index) ? "\u{03C2}" : "\u{03C3}")
                    } else {
                        appendLowered(scalar, to: &out)
                    }
                } else {
                    appendTitled(scalar, to: &out)
                }
                previousCased = true
            } else {
                out.append(scalar)
                previousCased = false
            }
        }
        return String(out)
    }

    /// `str.capitalize()`: the first character title-cased, the rest lowered.
    static func capitalize(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        var out = String.UnicodeScalarView()
        appendTitled(first, to: &out)
        // The rest is lowered in the context of the whole string (a final sigma looks back).
        let firstLowered = first.value == 0x03A3 || first.isASCII ? 1 : first.properties.lowercaseMapping.unicodeScalars.count
        out.append(contentsOf: scalars(lower(text)).dropFirst(firstLowered))
        return String(out)
    }

    static func isLower(_ text: String) -> Bool {
        var cased = false
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                if scalar >= "A" && scalar <= "Z" { return false }
                if scalar >= "a" && scalar <= "z" { cased = true }
                continue
            }
            if scalar.properties.isUppercase || scalar.properties.generalCategory == .titlecaseLetter { return false }
            if scalar.properties.isLowercase { cased = true }
        }
        return cased
    }

    static func isUpper(_ text: String) -> Bool {
        var cased = false
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                if scalar >= "a" && scalar <= "z" { return false }
                if scalar >= "A" && scalar <= "Z" { cased = true }
                continue
            }
            if scalar.properties.isLowercase || scalar.properties.generalCategory == .titlecaseLetter { return false }
            if scalar.properties.isUppercase { cased = true }
        }
        return cased
    }

    // MARK: - repr and numbers

    /// Python's `str.isprintable()` for one character.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    /// `repr(str)`: single quotes unless the text holds a ' and no ", escapes as Python writes them.
    static func repr(_ text: String) -> String {
        let quote: Unicode.Scalar = text.unicodeScalars.contains("'") && !text.unicodeScalars.contains("\"") ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case quote, "\\":
                out.append("\\")
                out.append(scalar)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out.append(contentsOf: hexEscape(scalar).unicodeScalars)
                } else if scalar.isASCII || isPrintable(scalar) {
                    out.append(scalar)
                } else {
                    out.append(contentsOf: hexEscape(scalar).unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    /// `\xhh`, `\uhhhh` or `\Uhhhhhhhh`, as repr and the backslashreplace codec write a character.
    static func hexEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        if scalar.value <= 0xFF { return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex }
        if scalar.value <= 0xFFFF { return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex }
        return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
    }

}
