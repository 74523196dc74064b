import CCairo
import Foundation

/// A decoded PNG whose pixels can be inspected: for tests and for checking rendered figures.
///
/// Decoding goes through Cairo (`cairo_image_surface_create_from_png_stream`), so it accepts what
/// `rsvg-convert` and `pdftoppm` produce as well as HymbaPlot's own output.
public struct RasterImage: Sendable {
    public let width: Int
    public let height: Int
    /// Straight-alpha RGBA, 4 bytes per pixel, row-major from the top.
    public let rgba: [UInt8]

    /// - Throws: `PlotError.unreadableImage` if the bytes are not a PNG.
    public init(pngData: Data) throws {
        final class Reader {
            let bytes: Data
            var offset = 0
            init(_ bytes: Data) { self.bytes = bytes }
        }
        let reader = Reader(pngData)
        let read: cairo_read_func_t = { closure, destination, length in
            guard let closure, let destination else { return CAIRO_STATUS_READ_ERROR }
            let reader = Unmanaged<Reader>.fromOpaque(closure).takeUnretainedValue()
            let count = Int(length)
            guard reader.offset + count <= reader.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            let start = reader.bytes.startIndex + reader.offset
            reader.bytes.copyBytes(to: destination, from: start..<(start + count))
            reader.offset += count
            return CAIRO_STATUS_SUCCESS
        }
        let surface = withExtendedLifetime(reader) {
            cairo_image_surface_create_from_png_stream(read, Unmanaged.passUnretained(reader).toOpaque())
        }
        guard let surface else { throw PlotError.unreadableImage("Cairo returned no surface") }
        defer { cairo_surface_destroy(surface) }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PlotError.unreadableImage(String(cString: cairo_status_to_string(status)))
        }
        cairo_surface_flush(surface)
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let format = cairo_image_surface_get_format(surface)
        guard let base = cairo_image_surface_get_data(surface),
              format == CAIRO_FORMAT_ARGB32 || format == CAIRO_FORMAT_RGB24 else {
            throw PlotError.unreadableImage("unsupported pixel format")
        }
        let opaque = format == CAIRO_FORMAT_RGB24
        var out = [UInt8](repeating: 0, count: width * height * 4)
        for y in 0..<height {
            let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width {
                let pixel = row[x]
                let a = opaque ? 255 : Int(pixel >> 24)
                // Cairo stores premultiplied alpha; undo it for straight RGBA.
                func channel(_ shift: UInt32) -> UInt8 {
                    let c = Int((pixel >> shift) & 0xFF)
                    return a == 0 ? 0 : UInt8(min(255, (c * 255 + a / 2) / a))
                }
                let i = (y * width + x) * 4
                out[i] = channel(16); out[i + 1] = channel(8); out[i + 2] = channel(0); out[i + 3] = UInt8(a)
            }
        }
        rgba = out
    }

    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PlotError.unreadableImage("cannot read \(url.path)")
        }
        try self.init(pngData: data)
    }

    /// The pixel at (x, y) from the top left, composited over white; nil outside the image.
    public func color(x: Int, y: Int) -> Color? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        let i = (y * width + x) * 4
        let a = Double(rgba[i + 3]) / 255
        func over(_ c: UInt8) -> Double { Double(c) / 255 * a + (1 - a) }
        return Color(red: over(rgba[i]), green: over(rgba[i + 1]), blue: over(rgba[i + 2]))
    }

    /// Mean absolute difference per channel (0...255) between two same-sized images, each
    /// composited over white; nil when the sizes differ.
    public func meanAbsoluteDifference(to other: RasterImage) -> Double? {
        guard width == other.width, height == other.height else { return nil }
        var total = 0.0
        for i in stride(from: 0, to: rgba.count, by: 4) {
            let a1 = Double(rgba[i + 3]) / 255, a2 = Double(other.rgba[i + 3]) / 255
            for c in 0..<3 {
                let v1 = Double(rgba[i + c]) * a1 + 255 * (1 - a1)
                let v2 = Double(other.rgba[i + c]) * a2 + 255 * (1 - a2)
                total += abs(v1 - v2)
            }
        }
        return total / Double(width * height * 3)
    }
}
