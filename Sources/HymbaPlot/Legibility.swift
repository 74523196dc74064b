import Foundation

/// The rule that keeps token labels readable however long the sequence is.
///
/// **Automatic size** (figure width/height not given): cells are 16 pt up to 30 tokens; beyond
/// that the map stays 480 pt across and cells shrink (480 / n pt).
/// **Labels**: every label is shown while a cell is ≥ 8 pt (up to 60 tokens at automatic size);
/// below that every k-th label is shown, k = ⌈8 pt / cell size⌉ — e.g. 200 tokens → 2.4 pt cells
/// → every 4th token. Labels longer than 64 pt are cut with "…".
/// With an explicit figure size the cells fill the space available and the same label rule
/// applies. For sequences too long to read at any stride, crop the heatmap into chunks with
/// `Heatmap.cropped(rows:cols:)`.
public enum Legibility {
    /// Cell size at automatic size for short sequences.
    public static let preferredCellSize = 16.0
    /// Largest side of an automatically sized map, in points.
    public static let maximumMapExtent = 480.0
    /// Smallest space per label; one 7 pt text line plus a little air.
    public static let minimumLabelPitch = 8.0
    /// Token labels longer than this are ellipsized.
    public static let maximumLabelWidth = 64.0

    /// Cell size (pt) at automatic size for a map whose longer side has `count` cells.
    public static func automaticCellSize(count: Int) -> Double {
        guard count > 0 else { return preferredCellSize }
        return min(preferredCellSize, maximumMapExtent / Double(count))
    }

    /// Show every k-th label: 1 while cells are ≥ `minimumLabelPitch`, else ⌈pitch / cell⌉.
    public static func labelStride(cellSize: Double) -> Int {
        guard cellSize > 0, cellSize.isFinite else { return 1 }
        if cellSize >= minimumLabelPitch - 1e-9 { return 1 }
        return Int((minimumLabelPitch / cellSize).rounded(.up))
    }

    /// The label positions along an axis of `count` cells showing every `stride`-th label, with
    /// the count restarted where the leading group ends (`groupEnd`: the meta tokens), so the
    /// first cell after the group — the prompt's first token — is always labelled. Group labels
    /// closer than `stride` to it are dropped, so labels never crowd at the boundary.
    public static func labelledIndices(count: Int, stride: Int, groupEnd: Int = 0) -> [Int] {
        let step = max(1, stride), end = min(max(0, groupEnd), count)
        let group = Swift.stride(from: 0, to: end, by: step).filter { end - $0 >= step || end == count }
        return group + Array(Swift.stride(from: end, to: count, by: step))
    }

    /// The same stride rounded up to 1, 2, 5 × 10ⁿ: for index labels (0, 5, 10, …), where round
    /// numbers matter more than density.
    static func niceStride(cellSize: Double) -> Int {
        let raw = labelStride(cellSize: cellSize)
        var magnitude = 1
        while true {
            for mantissa in [1, 2, 5] where mantissa * magnitude >= raw { return mantissa * magnitude }
            magnitude *= 10
        }
    }
}
