import HymbaReport

/// Progress and notes on stderr (the library's `ProgressLine`, under the name the commands use).
typealias Progress = ProgressLine
