import Foundation
import HymbaKit
import HymbaPlot

/// Writes an analysis's files — each figure as PNG and SVG, JSON and CSV tables — into a
/// staging folder (optionally into one subfolder of it, as `report` does), and remembers each
/// figure with the caption `report` shows under it.
public final class ArtifactWriter {
    /// A figure as written: `path` without extension, relative to the output folder.
    public struct FigureEntry {
        public let path: String
        public let title: String
        /// What the figure measures and its headline number, one or two sentences.
        public let caption: String
    }

    public let staging: StagingDirectory
    public let folder: String?
    public let dpi: Double
    public private(set) var figures: [FigureEntry] = []
    public private(set) var tables: [String] = []

    public init(staging: StagingDirectory, folder: String? = nil, dpi: Double) {
        self.staging = staging
        self.folder = folder
        self.dpi = dpi
    }

    public func relativePath(_ name: String) -> String { folder.map { "\($0)/\(name)" } ?? name }

    /// Renders `figure` to `name.png` and `name.svg`.
    public func figure(_ figure: Figure, name: String, title: String, caption: String) throws {
        let path = relativePath(name)
        try figure.render(to: try staging.url(for: path + ".png"), dpi: dpi)
        try figure.render(to: try staging.url(for: path + ".svg"), dpi: dpi)
        figures.append(FigureEntry(path: path, title: title, caption: caption))
    }

    public func json(_ tree: JSONTree, name: String) throws {
        try AtomicFileWriter.write(tree.serialized(), to: try staging.url(for: relativePath(name)))
        tables.append(relativePath(name))
    }

    public func csv(_ table: CSVTable, name: String) throws {
        try AtomicFileWriter.write(table.serialized(), to: try staging.url(for: relativePath(name)))
        tables.append(relativePath(name))
    }
}
