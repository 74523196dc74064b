import HymbaPlot

/// How much of Hymba's meta-token block a map shows.
///
/// Every sequence is `M` meta tokens followed by the prompt. Meta *keys* (columns) carry the
/// interesting part — how much each query reads from the learned memory — while meta *queries*
/// (rows) are the same for every prompt.
enum MetaDisplay: String, CaseIterable {
    /// Meta rows and meta columns: the full T × T map.
    case all
    /// Meta columns only: queries are the prompt's tokens.
    case keys
    /// Neither: the prompt's tokens only.
    case none

    var showsMetaRows: Bool { self == .all }
    var showsMetaColumns: Bool { self != .none }
}

/// The positions one side of a map shows, in drawing order, with a label for each.
///
/// Meta positions come first (labelled `m0`, `m1`, …) so a `LeadingGroup` can set them apart.
struct TokenAxis: Equatable {
    /// Indices into the T = M + n positions of the sequence.
    let positions: [Int]
    let labels: [String]
    /// How many leading entries of `positions` are meta tokens.
    let metaCount: Int
}

/// A recorded sequence as figures see it: `M` meta tokens, then the prompt's token strings.
struct TokenSequence {
    let metaCount: Int
    /// One label per prompt token: the vocabulary piece ("▁The", "<0x0A>"), or the id.
    let tokens: [String]

    var positionCount: Int { metaCount + tokens.count }

    /// Says on stderr which characters of the labels no installed font can draw (they come out
    /// as boxes) and which Debian package brings a font that can.
    func warnAboutMissingGlyphs() {
        let missing = GlyphCoverage.missingCharacters(in: tokens)
        guard !missing.isEmpty else { return }
        let shown = missing.prefix(12).map(String.init).joined(separator: " ") + (missing.count > 12 ? " …" : "")
        Progress.note("warning: no installed font draws \(missing.count) character(s) of the token labels (\(shown)); "
            + "they will show as boxes. For CJK install fonts-droid-fallback or fonts-noto-cjk, for emoji fonts-noto-color-emoji.")
    }

    init(metaCount: Int, tokens: [String]) {
        self.metaCount = metaCount
        self.tokens = tokens
    }

    /// Labels from a tokenizer when there was one, else the ids themselves.
    init(metaCount: Int, ids: [Int], strings: [String]?) {
        let usable = strings.flatMap { $0.count == ids.count ? $0 : nil }
        self.init(metaCount: metaCount, tokens: usable?.map(Self.label) ?? ids.map(String.init))
    }

    /// A vocabulary piece as a label: runs of three or more SentencePiece spaces (code
    /// indentation) become "▁×7", which would otherwise draw as a long bar that reads like a rule.
    static func label(_ piece: String) -> String {
        var out = "", run = 0
        func flush() {
            out += run >= 3 ? "▁×\(run)" : String(repeating: "▁", count: run)
            run = 0
        }
        for character in piece {
            if character == "▁" { run += 1; continue }
            flush()
            out.append(character)
        }
        flush()
        return out
    }

    static func metaLabel(_ index: Int) -> String { "m\(index)" }

    /// The axis showing prompt tokens `range` (0-based, half-open), after the meta block if asked.
    func axis(includingMeta: Bool, tokens range: Range<Int>) -> TokenAxis {
        let meta = includingMeta ? Array(0..<metaCount) : []
        let real = range.map { metaCount + $0 }
        return TokenAxis(positions: meta + real,
                         labels: meta.map(Self.metaLabel) + range.map { tokens[$0] },
                         metaCount: meta.count)
    }

    /// Checks a `--from`/`--to` request against the prompt and returns the token range it means.
    func tokenRange(from: Int?, to: Int?) throws -> Range<Int> {
        let n = tokens.count
        let lower = from ?? 0, upper = to ?? n
        guard lower >= 0, lower < n else {
            throw CLIError("--from \(lower) is outside the prompt (tokens 0...\(n - 1))")
        }
        guard upper > lower, upper <= n else {
            throw CLIError("--to \(upper) must be after --from \(lower) and at most \(n), the prompt's length (--to itself is not shown)")
        }
        return lower..<upper
    }
}
