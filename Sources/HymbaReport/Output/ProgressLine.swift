import Foundation

/// Progress and notes on stderr, so stdout stays clean for data (`--json`, ids).
public enum ProgressLine {
    public static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// A line rewritten in place on a terminal; plain lines when stderr is a file.
    public static func update(_ message: String, done: Bool = false) {
        if isatty(2) != 0 {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + message + (done ? "\n" : "")).utf8))
        } else if done {
            note(message)
        }
    }
}
