import Foundation

/// The file formats a figure can be written as, chosen by the output file's extension.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Raster; pixel size = points × dpi / 72, with the dpi recorded in the file (pHYs chunk).
    case png
    /// Vector; lengths in points, text as glyph outlines (renders identically without the fonts).
    case svg
    /// Vector; page size in points, fonts embedded as subsets.
    case pdf

    /// - Throws: `PlotError.unsupportedFormat` unless the extension is png, svg or pdf (any case).
    public init(path url: URL) throws {
        guard let format = OutputFormat(rawValue: url.pathExtension.lowercased()) else {
            throw PlotError.unsupportedFormat(path: url.path)
        }
        self = format
    }
}
