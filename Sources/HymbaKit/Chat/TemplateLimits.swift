/// Bounds on what one template may cost, so that any input — a hostile or fuzzed template, a
/// chat file of arbitrary bytes — ends in output or a `ChatError`, never a crash, a hang or an
/// exhausted memory. Real chat templates stay far below every one (Hymba's renders a short chat
/// with tools in about a hundred steps); docs/chat.md lists them.
///
/// Jinja has no while loop, so only three things can run away: nesting (the parser and the
/// evaluator recurse, and so does freeing a deep value), repetition (nested loops, recursive
/// macros) and size (strings and lists that double). Each has its own bound.
public struct TemplateLimits: Equatable, Sendable {
    /// Template source, in Unicode scalars.
    public var maximumSourceLength: Int
    /// Nesting of tags, brackets and operators in the template source.
    public var maximumNesting: Int
    /// Nesting of the evaluator at run time: tags and expressions inside each other, and
    /// every macro call on top (what a recursive macro grows).
    public var maximumEvaluationDepth: Int
    /// Nesting of values (lists and dicts inside each other), from the chat file or built by the
    /// template. The chat file parser alone allows 512.
    public var maximumValueDepth: Int
    /// Work units for one render: one per expression evaluated or tag executed, plus one per
    /// item and per 8 bytes of text that a filter, method or operator walks or builds (about a
    /// third of a microsecond each, so the default is a second or so of work at most).
    public var maximumSteps: Int
    /// Length of the rendered text and of any string built on the way, in Unicode scalars.
    public var maximumStringLength: Int
    /// Elements of any list or dict built on the way.
    public var maximumCollectionCount: Int
    /// Elements of one `range()`: Jinja's own sandbox refuses more than 100 000.
    public var maximumRange: Int

    public init(maximumSourceLength: Int = 1 << 20,
                maximumNesting: Int = 100,
                maximumEvaluationDepth: Int = 1000,
                maximumValueDepth: Int = 600,
                maximumSteps: Int = 2_000_000,
                maximumStringLength: Int = 1 << 20,
                maximumCollectionCount: Int = 1 << 18,
                maximumRange: Int = 100_000) {
        self.maximumSourceLength = maximumSourceLength
        self.maximumNesting = maximumNesting
        self.maximumEvaluationDepth = maximumEvaluationDepth
        self.maximumValueDepth = maximumValueDepth
        self.maximumSteps = maximumSteps
        self.maximumStringLength = maximumStringLength
        self.maximumCollectionCount = maximumCollectionCount
        self.maximumRange = maximumRange
    }

    public static let `default` = TemplateLimits()
}
