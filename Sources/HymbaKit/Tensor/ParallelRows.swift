import Foundation

/// Row-parallel passes: a pass over many rows is cut into chunks of roughly `floatsPerTask`
/// values and the chunks run on all cores; a small pass runs on the calling thread, where a
/// dispatch would cost more than it saves.
enum ParallelRows {
    static let floatsPerTask = 1 << 16

    /// `body(range)` for consecutive ranges covering `0 ..< rows`, concurrently. Ranges are
    /// disjoint, so bodies that write only their own rows need no locks.
    static func forEachChunk(rows: Int, floatsPerRow: Int, _ body: (Range<Int>) -> Void) {
        guard rows > 0 else { return }
        let rowsPerTask = max(1, floatsPerTask / max(1, floatsPerRow))
        let tasks = (rows + rowsPerTask - 1) / rowsPerTask
        if tasks == 1 { return body(0..<rows) }
        DispatchQueue.concurrentPerform(iterations: tasks) { task in
            let start = task * rowsPerTask
            SubnormalFlush.scope { body(start..<min(rows, start + rowsPerTask)) }
        }
    }
}

// Views are handed to concurrent tasks that each write their own rows or channels.
extension MatrixView: @unchecked Sendable {}
