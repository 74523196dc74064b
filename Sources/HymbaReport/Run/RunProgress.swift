import Foundation

/// One progress line on stderr for a run over many passages:
/// `sinks: 12/60 passages · 1,840 tok/s · ETA 0:42`.
///
/// Speed counts the passages' real tokens (meta tokens and repeated ablation passes not
/// included), so it reads as "how fast the corpus goes through this analysis"; the ETA scales
/// the time so far by the work still to do — tokens, unless the caller weighs passages
/// differently (a passage with ablations costs far more than one without). On a terminal the line is rewritten in place;
/// when stderr is a file or pipe a plain line is written at most every `plainInterval` seconds.
final class PassageProgress {
    static let plainInterval: TimeInterval = 5
    let label: String
    let totalPassages: Int
    let totalTokens: Int
    let totalWork: Double
    let quiet: Bool
    private let start = Date()
    private(set) var passagesDone = 0
    private(set) var tokensDone = 0
    private(set) var workDone = 0.0
    private let terminal = isatty(2) != 0
    private var lastPlainLine = Date.distantPast

    init(label: String, totalPassages: Int, totalTokens: Int, totalWork: Double? = nil, quiet: Bool) {
        self.label = label
        self.totalPassages = totalPassages
        self.totalTokens = totalTokens
        self.totalWork = totalWork ?? Double(totalTokens)
        self.quiet = quiet
        if !quiet { Progress.update("\(label): 0/\(totalPassages) passages") }
    }

    var elapsed: TimeInterval { Date().timeIntervalSince(start) }

    /// Within a passage: a note after the counts (e.g. "ablation 17/60").
    func detail(_ note: String) {
        guard !quiet else { return }
        show(line + " · " + note)
    }

    /// - Parameter work: this passage's share of `totalWork` (default: its tokens).
    func passageDone(tokens: Int, work: Double? = nil) {
        passagesDone += 1
        tokensDone += tokens
        workDone += work ?? Double(tokens)
        guard !quiet else { return }
        show(line, done: passagesDone == totalPassages)
    }

    private func show(_ text: String, done: Bool = false) {
        if terminal {
            Progress.update(text, done: done)
        } else if done || Date().timeIntervalSince(lastPlainLine) >= Self.plainInterval {
            Progress.note(text)
            lastPlainLine = Date()
        }
    }

    /// Ends the line with the totals.
    func finish() {
        guard !quiet else { return }
        if passagesDone < totalPassages, terminal { Progress.update(line, done: true) }
        Progress.note(String(format: "%@: %d passages, %d tokens in %@", label, passagesDone, tokensDone, Self.clock(elapsed)))
    }

    private var line: String {
        let seconds = elapsed
        var text = "\(label): \(passagesDone)/\(totalPassages) passages"
        if tokensDone > 0, seconds > 0 {
            let rate = Double(tokensDone) / seconds
            text += String(format: " · %.0f tok/s", rate)
            let remaining = workDone > 0 ? seconds * (totalWork - workDone) / workDone : 0
            if passagesDone < totalPassages { text += " · ETA " + Self.clock(remaining) }
        }
        return text
    }

    /// 75 → "1:15", 3700 → "1:01:40".
    static func clock(_ seconds: TimeInterval) -> String {
        let s = Int(max(0, seconds).rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
