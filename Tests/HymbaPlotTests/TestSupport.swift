import Foundation
import XCTest
@testable import HymbaPlot

/// A fresh temporary directory per test, removed afterwards.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hymbaplot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// With HYMBAPLOT_KEEP_RENDERS=/some/dir the files are copied there before removal, to
    /// inspect what the renderers produced.
    deinit {
        if let keep = ProcessInfo.processInfo.environment["HYMBAPLOT_KEEP_RENDERS"] {
            let destination = URL(fileURLWithPath: keep)
            try? FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
            for name in contents {
                let target = destination.appendingPathComponent(name)
                try? FileManager.default.removeItem(at: target)
                try? FileManager.default.copyItem(at: file(name), to: target)
            }
        }
        try? FileManager.default.removeItem(at: url)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] }
}

enum ExternalRenderer {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// A started tool from PATH; CI installs librsvg2-bin and poppler-utils (see .ci/run).
    final class Run {
        private let process = Process()
        private let output = Pipe(), errors = Pipe()
        private let arguments: [String]

        init(_ arguments: [String]) throws {
            self.arguments = arguments
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.standardOutput = output
            process.standardError = errors
            try process.run()
        }

        /// Waits for the tool and returns its standard output.
        func finish() throws -> String {
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw Failure(description: "\(arguments.joined(separator: " ")) failed: \(String(decoding: err, as: UTF8.self))")
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// SVG → PNG with rsvg-convert at `dpi` (SVG lengths are in pt); returns the PNG's URL once finished.
    static func startRasterizingSVG(_ svg: URL, dpi: Double, in directory: TemporaryDirectory) throws -> (Run, URL) {
        let png = directory.file(svg.deletingPathExtension().lastPathComponent + "-svg.png")
        return (try Run(["rsvg-convert", "--dpi-x", "\(dpi)", "--dpi-y", "\(dpi)", "--background-color", "white",
                         "-o", png.path, svg.path]), png)
    }

    /// PDF page 1 → PNG with pdftoppm at `dpi`.
    static func startRasterizingPDF(_ pdf: URL, dpi: Double, in directory: TemporaryDirectory) throws -> (Run, URL) {
        let prefix = directory.file(pdf.deletingPathExtension().lastPathComponent + "-pdf")
        return (try Run(["pdftoppm", "-png", "-r", "\(Int(dpi))", "-singlefile", pdf.path, prefix.path]),
                prefix.appendingPathExtension("png"))
    }

    /// Page size in points from `pdfinfo`.
    static func pdfPageSize(_ pdf: URL) throws -> Size? {
        let info = try Run(["pdfinfo", pdf.path]).finish()
        guard let line = info.split(separator: "\n").first(where: { $0.hasPrefix("Page size:") }) else { return nil }
        let numbers = line.split(separator: " ").compactMap { Double($0) }
        return numbers.count >= 2 ? Size(width: numbers[0], height: numbers[1]) : nil
    }
}

/// Colour comparison with a tolerance in 8-bit steps.
func assertColor(_ actual: Color?, _ expected: Color, tolerance: Int = 3, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { return XCTFail("no pixel: \(message)", file: file, line: line) }
    let a = actual.rgb8, e = expected.rgb8
    let worst = max(abs(a.red - e.red), abs(a.green - e.green), abs(a.blue - e.blue))
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): got \(actual), expected \(expected)", file: file, line: line)
}

extension RasterImage {
    /// The pixel under a point given in figure points.
    func color(atPoint point: Point, dpi: Double) -> Color? {
        color(x: Int(point.x * dpi / 72), y: Int(point.y * dpi / 72))
    }
}
