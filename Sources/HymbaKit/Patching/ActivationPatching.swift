import Foundation

/// Activation patching: which activations of a clean run restore its answer in a corrupted run.
///
/// Two prompts of equal length differ in a few tokens. For a site s of layer i at position p, the
/// corrupted run is repeated with the clean run's value of s at p written in, and the logit
/// difference at the last position is measured:
/// ```
/// LD(run)        = logit_run[n−1, answer] − logit_run[n−1, wrong]
/// recovered(s,p) = (LD(corrupt with clean s at p) − LD(corrupt)) / (LD(clean) − LD(corrupt))
/// ```
/// 1 = the site alone carries everything that decides between the answers, 0 = nothing. Sites:
/// the residual stream after layer i (`hidden`), the attention branch output `A_out` and the SSM
/// branch output `S_out` (before their norms, the whole row), and with `heads` each head's
/// channel slice of either. A patched run resumes from the patched layer with the corrupted
/// run's earlier layers (`CleanRun`): a patch at layer i recomputes only layers i… (i+1… for
/// the residual after layer i). Every LD, the baselines included, is read from the last row
/// alone, so a patch that writes the clean value everywhere it matters gives exactly 1.
public struct ActivationPatching: Sendable {
    /// What is patched at one layer.
    public enum Site: Hashable, Sendable, CustomStringConvertible {
        case residual
        case attention
        case ssm
        case attentionHead(Int)
        case ssmHead(Int)

        /// The name in tables and file names: `resid`, `attn`, `ssm`, `attn_h3`, `ssm_h3`.
        public var description: String {
            switch self {
            case .residual: return "resid"
            case .attention: return "attn"
            case .ssm: return "ssm"
            case .attentionHead(let h): return "attn_h\(h)"
            case .ssmHead(let h): return "ssm_h\(h)"
            }
        }
    }

    /// One site's recovered fraction, `values[layer][k]` at `positions[k]`.
    public struct SiteMap: Sendable {
        public let site: Site
        public let values: [[Double]]
    }

    public let positions: [Int]
    public let layers: Int
    public let cleanDifference: Double
    public let corruptDifference: Double
    /// resid, attn, ssm, then (with heads) attn_h0…, ssm_h0….
    public let maps: [SiteMap]

    /// The sites patched at every layer, in the order of `maps`.
    public static func sites(heads: Int?) -> [Site] {
        [.residual, .attention, .ssm] + (heads.map { h in (0..<h).map(Site.attentionHead) + (0..<h).map(Site.ssmHead) } ?? [])
    }

    /// Runs both prompts, then one resumed run per layer × site × position.
    ///
    /// - Parameters:
    ///   - positions: prompt positions to patch (nil = all).
    ///   - heads: also patch every attention and SSM head.
    ///   - progress: after each patched run, (runs done, runs).
    /// - Throws: `PatchingError` for prompts of different lengths, bad tokens or positions, and
    ///   when the two prompts give the same logit difference (nothing to recover).
    public static func run(model: HymbaModel, clean: [Int], corrupt: [Int], answer: Int, wrong: Int,
                           positions: [Int]? = nil, heads: Bool = false,
                           progress: ((Int, Int) -> Void)? = nil) throws -> ActivationPatching {
        let config = model.config, n = clean.count, m = config.memoryTokens, layerCount = config.hiddenLayers
        guard clean.count == corrupt.count else { throw PatchingError.lengthMismatch(clean: clean.count, corrupt: corrupt.count) }
        try model.validate(ids: clean)
        try model.validate(ids: corrupt)
        for token in [answer, wrong] where !(0..<config.vocabSize).contains(token) {
            throw PatchingError.tokenOutOfRange(token, vocabularySize: config.vocabSize)
        }
        guard answer != wrong else { throw PatchingError.sameAnswer(answer) }
        let positions = positions ?? Array(0..<n)
        for p in positions where !(0..<n).contains(p) { throw PatchingError.positionOutOfRange(p, tokens: n) }

        // The clean run's activations, meta rows first; the corrupted run's layer inputs and K/V.
        let cleanRecording = try record(model, clean), corruptRecording = try record(model, corrupt)
        let base = try model.cleanRun(ids: corrupt)
        func difference(_ logits: Matrix) -> Double { Double(logits[0, answer]) - Double(logits[0, wrong]) }
        func realRows(_ recording: [String: Matrix], _ key: String) -> Matrix { recording[key]!.rows(m..<(m + n)) }
        let lastKey = HookPoint.hidden.key(layer: layerCount - 1)
        let cleanLD = difference(model.lastRowLogits(resumingFrom: base, layer: layerCount,
                                                     input: realRows(cleanRecording, lastKey), patches: []))
        let corruptFinal = realRows(corruptRecording, lastKey)
        let corruptLD = difference(model.lastRowLogits(resumingFrom: base, layer: layerCount, input: corruptFinal, patches: []))
        guard cleanLD != corruptLD else { throw PatchingError.nothingToRecover(cleanLD) }

        let sites = Self.sites(heads: heads ? config.attentionHeads : nil)
        let width = config.valueHeadDim, e = config.innerSize
        let total = layerCount * sites.count * positions.count
        var done = 0
        var values = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: positions.count), count: layerCount),
                                  count: sites.count)
        for layer in 0..<layerCount {
            let cleanHidden = cleanRecording[HookPoint.hidden.key(layer: layer)]!
            let cleanAttention = cleanRecording[HookPoint.attnOut.key(layer: layer)]!
            let cleanSSM = cleanRecording[HookPoint.ssmOut.key(layer: layer)]!
            let after = layer + 1 < layerCount ? base.layerInputs[layer + 1] : corruptFinal
            for (s, site) in sites.enumerated() {
                for (k, p) in positions.enumerated() {
                    let logits: Matrix
                    func branch(_ which: BranchPatch.Branch, _ source: Matrix, _ columns: Range<Int>) -> Matrix {
                        let values = Array(source.row(m + p)[columns])
                        return model.lastRowLogits(resumingFrom: base, layer: layer, input: base.layerInputs[layer],
                                                   patches: [BranchPatch(branch: which, row: p, columns: columns, values: values)])
                    }
                    switch site {
                    case .residual:
                        var input = after
                        for j in 0..<config.hiddenSize { input[p, j] = cleanHidden[m + p, j] }
                        logits = model.lastRowLogits(resumingFrom: base, layer: layer + 1, input: input, patches: [])
                    case .attention: logits = branch(.attention, cleanAttention, 0..<e)
                    case .ssm: logits = branch(.ssm, cleanSSM, 0..<e)
                    case .attentionHead(let h): logits = branch(.attention, cleanAttention, (h * width)..<((h + 1) * width))
                    case .ssmHead(let h): logits = branch(.ssm, cleanSSM, (h * width)..<((h + 1) * width))
                    }
                    values[s][layer][k] = (difference(logits) - corruptLD) / (cleanLD - corruptLD)
                    done += 1
                    progress?(done, total)
                }
            }
        }
        return ActivationPatching(positions: positions, layers: layerCount, cleanDifference: cleanLD,
                                  corruptDifference: corruptLD,
                                  maps: zip(sites, values).map { SiteMap(site: $0, values: $1) })
    }

    /// `hidden`, `attn_out` and `ssm_out` at every layer, `[T, ·]` with the meta rows first.
    private static func record(_ model: HymbaModel, _ ids: [Int]) throws -> [String: Matrix] {
        let recorder = model.makeRecorder(plan: try RecordingPlan("hidden,attn_out,ssm_out", config: model.config))
        _ = try model.forward(ids: ids, recorder: recorder, logitRows: .last)
        return Dictionary(uniqueKeysWithValues: recorder.tensors.map { ($0.name, $0.tensor.matrix) })
    }

    /// The map of `site`, if it was patched.
    public func map(_ site: Site) -> SiteMap? { maps.first { $0.site == site } }
}

/// Requests activation patching cannot answer.
public enum PatchingError: Error, CustomStringConvertible, Equatable {
    case lengthMismatch(clean: Int, corrupt: Int)
    case tokenOutOfRange(Int, vocabularySize: Int)
    case sameAnswer(Int)
    case positionOutOfRange(Int, tokens: Int)
    case nothingToRecover(Double)

    public var description: String {
        switch self {
        case .lengthMismatch(let clean, let corrupt):
            return "activation patching needs prompts of the same token count: the clean prompt has \(clean) tokens, the corrupted one \(corrupt)"
        case .tokenOutOfRange(let id, let vocabularySize):
            return "token id \(id) is outside the vocabulary (0...\(vocabularySize - 1))"
        case .sameAnswer(let id):
            return "the answer and the wrong token are the same (id \(id)): the logit difference is always 0"
        case .positionOutOfRange(let p, let tokens):
            return "position \(p) is outside the prompt's \(tokens) tokens (0...\(tokens - 1))"
        case .nothingToRecover(let difference):
            return "the clean and corrupted prompts give the same logit difference (\(difference)): there is nothing to recover"
        }
    }
}
