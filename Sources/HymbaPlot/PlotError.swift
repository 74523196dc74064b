import Foundation

/// Everything a caller can get wrong when asking for a figure, or that can go wrong writing it.
///
/// Each case describes itself in one line, so a command-line tool can print `error.description`
/// verbatim. Rendering never writes a partial file: when any of these is thrown, the destination
/// is untouched and no temporary file is left behind.
public enum PlotError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The output path's extension is not `.png`, `.svg` or `.pdf`.
    case unsupportedFormat(path: String)
    /// The directory that should receive the file is missing, not a directory, or not writable.
    case unwritableDirectory(path: String)
    /// The file could not be written or moved into place (disk full, permissions, ...).
    case writeFailed(path: String, reason: String)
    /// A data array does not have the length its shape implies (e.g. values vs rows × cols).
    case countMismatch(what: String, expected: Int, actual: Int)
    /// A plot was given no data at all (zero rows, no series, no categories, ...).
    case emptyData(what: String)
    /// Every value is NaN or infinite, so there is nothing to scale a colour map or axis to.
    case noFiniteValues(what: String)
    /// A normalisation cannot be built (log scale with a non-positive limit, min > max, ...).
    case invalidNorm(String)
    /// Any other argument outside its documented range (dpi, figure size, grid shape, ...).
    case invalidArgument(String)
    /// The raster would exceed what Cairo (32 767 px a side) or memory (64 Mpx) allows.
    case figureTooLarge(widthPixels: Int, heightPixels: Int)
    /// Cairo or Pango reported a failure while drawing.
    case renderingFailed(String)
    /// Bytes handed to `RasterImage` are not a PNG Cairo can decode.
    case unreadableImage(String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let path):
            let ext = (path as NSString).pathExtension
            let shown = ext.isEmpty ? "no extension" : "extension '.\(ext)'"
            return "unsupported figure format for \(path) (\(shown)); use .png, .svg or .pdf"
        case .unwritableDirectory(let path):
            return "cannot write figure: directory \(path) does not exist or is not writable"
        case .writeFailed(let path, let reason):
            return "could not write figure \(path): \(reason)"
        case .countMismatch(let what, let expected, let actual):
            return "\(what): expected \(expected) entries, got \(actual)"
        case .emptyData(let what):
            return "\(what) is empty; nothing to plot"
        case .noFiniteValues(let what):
            return "\(what) has no finite values (all NaN or infinite); nothing to plot"
        case .invalidNorm(let reason):
            return "invalid colour normalisation: \(reason)"
        case .invalidArgument(let reason):
            return "invalid plot argument: \(reason)"
        case .figureTooLarge(let width, let height):
            return "figure would be \(width)×\(height) px, beyond the limit of 32767 px a side"
                + " and 64 Mpx in total; lower the dpi or the figure size"
        case .renderingFailed(let reason):
            return "rendering failed: \(reason)"
        case .unreadableImage(let reason):
            return "cannot read PNG image: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
