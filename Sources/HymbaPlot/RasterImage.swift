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
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        self.width = width
        self.height = height
        let stride = Int(cairo_image_surface_get_stride(surface))
        let format = cairo_image_surface_get_format(surface)
        guard let base = cairo_image_surface_get_data(surface),
              format == CAIRO_FORMAT_ARGB32 || format == CAIRO_FORMAT_RGB24 else {
            throw PlotError.unreadableImage("unsupported pixel format")
        }
        let opaque = format == CAIRO_FORMAT_RGB24
        var out = [UInt8](repeating: 0, count: width * height * 4)
        out.withUnsafeMutableBufferPointer { destination in
            for y in 0..<height {
                let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                var i = y * width * 4
                for x in 0..<width {
                    let pixel = row[x]
                    let a = opaque ? 255 : Int(pixel >> 24)
                    let r = Int((pixel >> 16) & 0xFF), g = Int((pixel >> 8) & 0xFF), b = Int(pixel & 0xFF)
                    if a == 255 {
                        destination[i] = UInt8(r); destination[i + 1] = UInt8(g); destination[i + 2] = UInt8(b)
                    } else if a > 0 {
                        // Cairo stores premultiplied alpha; undo it for straight RGBA.
                        destination[i] = UInt8(min(255, (r * 255 + a / 2) / a))
                        destination[i + 1] = UInt8(min(255, (g * 255 + a / 2) / a))
                        destination[i + 2] = UInt8(min(255, (b * 255 + a / 2) / a))
                    }
                    destination[i + 3] = UInt8(a)
                    i += 4
                }
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
    /// composited over white, after averaging `blockSize` × `blockSize` pixel blocks; nil when the
    /// sizes differ.
    ///
    /// With `blockSize` > 1 the comparison ignores how two renderers antialias an edge or place a
    /// glyph within a pixel, while a moved or missing element still shows.
    public func meanAbsoluteDifference(to other: RasterImage, blockSize: Int = 1) -> Double? {
        guard width == other.width, height == other.height, blockSize >= 1 else { return nil }
        let blocksX = (width + blockSize - 1) / blockSize
        var sums = [Int](repeating: 0, count: blocksX * 3)
        var total = 0
        // Written with unchecked arithmetic on raw buffers: the test suite runs unoptimised.
        rgba.withUnsafeBufferPointer { a in
            other.rgba.withUnsafeBufferPointer { b in
                sums.withUnsafeMutableBufferPointer { sums in
                    for y in 0..<height {
                        var i = y &* width &* 4
                        var x = 0
                        while x < width {
                            let block = (x / blockSize) &* 3
                            let alphaA = Int(a[i &+ 3]), alphaB = Int(b[i &+ 3])
                            for c in 0..<3 {
                                var va = Int(a[i &+ c]), vb = Int(b[i &+ c])
                                if alphaA != 255 { va = (va &* alphaA &+ 255 &* (255 &- alphaA)) / 255 }
                                if alphaB != 255 { vb = (vb &* alphaB &+ 255 &* (255 &- alphaB)) / 255 }
                                sums[block &+ c] &+= va &- vb
                            }
                            i &+= 4
                            x &+= 1
                        }
                        if (y &+ 1) % blockSize == 0 || y == height &- 1 {
                            for k in 0..<sums.count {
                                total &+= abs(sums[k])
                                sums[k] = 0
                            }
                        }
                    }
                }
            }
        }
        return Double(total) / Double(width * height * 3)
    }
}
