import HymbaAnalysis
import HymbaKit

/// Everything computed for one passage, handed to every analysis of the run: the recordings of
/// the runs with and without meta tokens and the losses of the clean run and each ablation.
public struct PassageOutcome: Sendable {
    public let passage: PassageRef
    public let withMeta: PassageRecording?
    public let withoutMeta: PassageRecording?
    /// Per-token losses of the clean run (nil when no ablation ran).
    public let cleanLoss: [Double]?
    public let ablatedLosses: [Ablation: [Double]]

    public init(passage: PassageRef, withMeta: PassageRecording?, withoutMeta: PassageRecording?,
                cleanLoss: [Double]?, ablatedLosses: [Ablation: [Double]]) {
        self.passage = passage
        self.withMeta = withMeta
        self.withoutMeta = withoutMeta
        self.cleanLoss = cleanLoss
        self.ablatedLosses = ablatedLosses
    }

    /// The run with (or without) meta tokens; an analysis that declared it gets it.
    public func recording(withMetaTokens: Bool) throws -> PassageRecording {
        guard let recording = withMetaTokens ? withMeta : withoutMeta else {
            throw ReportError("internal: \(passage) has no recording \(withMetaTokens ? "with" : "without") meta tokens")
        }
        return recording
    }

    /// The losses of `ablations`, in that order.
    public func losses(_ ablations: [Ablation]) throws -> PassageLosses {
        guard let cleanLoss else { throw ReportError("internal: \(passage) has no clean run") }
        return PassageLosses(clean: cleanLoss, ablated: try ablations.map { ablation in
            guard let loss = ablatedLosses[ablation] else { throw ReportError("internal: \(passage) was not run with \(ablation) zeroed") }
            return loss
        })
    }
}
