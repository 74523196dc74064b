import Foundation

/// One progress line on stderr for a run over many passages:
/// `report: 52/92 passages (40 from the journal) · 1,840 tok/s · ETA 0:42 · math passage 3: ablation 17/60`.
///
/// Counts include the passages a resumed run found in its journal, so "done / total" is the
/// run's (or shard's) real state; speed and ETA come from this process's own work only: tokens
/// per second over the passages it computed, and the ETA the runner estimates from the rates it
/// measured (`PassRates`). On a terminal the line is rewritten in place; when stderr is a file
/// or pipe a plain line is written at most every `plainInterval` seconds.
public final class RunProgress {
    static let plainInterval: TimeInterval = 5
    let label: String
    let totalPassages: Int
    let journaled: Int
    let quiet: Bool
    private let start = Date()
    private(set) var passagesDone: Int
    private(set) var tokensComputed = 0
    /// Seconds left, from the runner's estimate; nil before calibration.
    var remainingSeconds: Double?
    private let terminal = isatty(2) != 0
    private var lastPlainLine = Date.distantPast

    init(label: String, totalPassages: Int, journaled: Int, quiet: Bool) {
        self.label = label
        self.totalPassages = totalPassages
        self.journaled = journaled
        self.quiet = quiet
        passagesDone = journaled
    }

    var elapsed: TimeInterval { Date().timeIntervalSince(start) }

    /// Within a passage: a note after the counts (e.g. "ablation 17/60").
    func detail(_ note: String) {
        guard !quiet else { return }
        show(line + " · " + note)
    }

    func passageDone(tokens: Int) {
        passagesDone += 1
        tokensComputed += tokens
        guard !quiet else { return }
        show(line, done: passagesDone == totalPassages)
    }

    private func show(_ text: String, done: Bool = false) {
        if terminal {
            ProgressLine.update(text, done: done)
        } else if done || Date().timeIntervalSince(lastPlainLine) >= Self.plainInterval {
            ProgressLine.note(text)
            lastPlainLine = Date()
        }
    }

    /// Ends the line with the totals.
    func finish() {
        guard !quiet else { return }
        if passagesDone < totalPassages, terminal { ProgressLine.update(line, done: true) }
        let computed = passagesDone - journaled
        var text = "\(label): \(computed) passages, \(tokensComputed) tokens in \(Self.clock(elapsed))"
        if journaled > 0 { text += " (\(journaled) more from the journal)" }
        ProgressLine.note(text)
    }

    private var line: String {
        var text = "\(label): \(passagesDone)/\(totalPassages) passages"
        if journaled > 0 { text += " (\(journaled) from the journal)" }
        let seconds = elapsed
        if tokensComputed > 0, seconds > 0 {
            text += String(format: " · %.0f tok/s", Double(tokensComputed) / seconds)
        }
        if passagesDone < totalPassages, let remainingSeconds { text += " · ETA " + Self.clock(remainingSeconds) }
        return text
    }

    /// 75 → "1:15", 3700 → "1:01:40".
    public static func clock(_ seconds: TimeInterval) -> String {
        let s = Int(max(0, seconds).rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
