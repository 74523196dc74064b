import CCairo
import Foundation

/// Collects the bytes Cairo streams out, so a whole file exists in memory before it is written.
final class ByteSink {
    var data = Data()
}

/// Cairo's write callback: append to the `ByteSink` passed as closure data.
let appendToByteSink: cairo_write_func_t = { closure, bytes, length in
    guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
    Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
    return CAIRO_STATUS_SUCCESS
}

/// Marker shapes for data points; each is recognisable without colour.
public enum Marker: String, CaseIterable, Hashable, Sendable {
    case circle, square, triangle, diamond, cross, plus
}

/// A drawing surface of a given size in points, for one output format.
///
/// All coordinates are points with the origin at the top left; a PNG canvas scales them by
/// dpi / 72 so that the same drawing code serves every format. The whole file is produced in
/// memory (`finish()`), which is what lets `AtomicFile` write it all-or-nothing.
final class Canvas {
    /// Cairo's image limit is 32 767 px a side; 64 Mpx (256 MB of pixels) keeps memory sane.
    static let maxPixelsPerSide = 32_767
    static let maxPixels = 64 * 1024 * 1024

    let format: OutputFormat
    let size: Size
    let dpi: Double
    let cairo: OpaquePointer
    let text: TextEngine
    private let surface: OpaquePointer
    private let sink = ByteSink()

    /// - Throws: `PlotError.invalidArgument` for a non-positive size or dpi,
    ///   `.figureTooLarge` past the raster limits, `.renderingFailed` if Cairo cannot start.
    init(format: OutputFormat, size: Size, dpi: Double, theme: Theme) throws {
        guard size.width.isFinite, size.height.isFinite, size.width > 0, size.height > 0 else {
            throw PlotError.invalidArgument("figure size must be positive, got \(size.width) × \(size.height) pt")
        }
        guard dpi.isFinite, dpi >= 10, dpi <= 2400 else {
            throw PlotError.invalidArgument("dpi must be between 10 and 2400, got \(dpi)")
        }
        self.format = format
        self.size = size
        self.dpi = dpi
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        let created: OpaquePointer?
        switch format {
        case .png:
            let (width, height) = try Self.pixelSize(of: size, dpi: dpi)
            created = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        case .svg:
            created = cairo_svg_surface_create_for_stream(appendToByteSink, closure, size.width, size.height)
            if let created { cairo_svg_surface_set_document_unit(created, CAIRO_SVG_UNIT_PT) }
        case .pdf:
            created = cairo_pdf_surface_create_for_stream(appendToByteSink, closure, size.width, size.height)
            if let created {
                cairo_pdf_surface_set_metadata(created, CAIRO_PDF_METADATA_CREATOR, "HymbaLens (HymbaPlot)")
            }
        }
        guard let surface = created, cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            let reason = created.map { String(cString: cairo_status_to_string(cairo_surface_status($0))) }
            if let created { cairo_surface_destroy(created) }
            throw PlotError.renderingFailed("cannot create \(format.rawValue) surface: \(reason ?? "unknown")")
        }
        self.surface = surface
        cairo = cairo_create(surface)
        if format == .png { cairo_scale(cairo, dpi / 72, dpi / 72) }
        text = TextEngine(cairo: cairo, fontFamily: theme.fontFamily)
        fill(Rect(x: 0, y: 0, width: size.width, height: size.height), theme.background)
    }

    deinit {
        cairo_destroy(cairo)
        cairo_surface_destroy(surface)
    }

    /// Raster size for a figure: points × dpi / 72, rounded.
    static func pixelSize(of size: Size, dpi: Double) throws -> (width: Int, height: Int) {
        let width = (size.width * dpi / 72).rounded(), height = (size.height * dpi / 72).rounded()
        guard width <= Double(maxPixelsPerSide), height <= Double(maxPixelsPerSide),
              width * height <= Double(maxPixels) else {
            throw PlotError.figureTooLarge(widthPixels: Int(min(width, 1e12)), heightPixels: Int(min(height, 1e12)))
        }
        return (max(1, Int(width)), max(1, Int(height)))
    }

    /// Points per device pixel; for vector output assume a 144 dpi viewer.
    var pointsPerPixel: Double { format == .png ? 72 / dpi : 0.5 }

    /// Ends drawing and returns the complete file.
    func finish() throws -> Data {
        if cairo_status(cairo) != CAIRO_STATUS_SUCCESS {
            throw PlotError.renderingFailed(String(cString: cairo_status_to_string(cairo_status(cairo))))
        }
        cairo_surface_flush(surface)
        switch format {
        case .png:
            let closure = Unmanaged.passUnretained(sink).toOpaque()
            let status = cairo_surface_write_to_png_stream(surface, appendToByteSink, closure)
            guard status == CAIRO_STATUS_SUCCESS else {
                throw PlotError.renderingFailed(String(cString: cairo_status_to_string(status)))
            }
            return PNGMetadata.withResolution(sink.data, dpi: dpi)
        case .svg, .pdf:
            cairo_surface_finish(surface)
            let status = cairo_surface_status(surface)
            guard status == CAIRO_STATUS_SUCCESS else {
                throw PlotError.renderingFailed(String(cString: cairo_status_to_string(status)))
            }
            return sink.data
        }
    }

    // MARK: Paths and fills

    private func setSource(_ color: Color) {
        cairo_set_source_rgba(cairo, color.red, color.green, color.blue, color.alpha)
    }

    func fill(_ rect: Rect, _ color: Color) {
        cairo_rectangle(cairo, rect.x, rect.y, rect.width, rect.height)
        setSource(color)
        cairo_fill(cairo)
    }

    func stroke(_ rect: Rect, _ color: Color, width: Double) {
        cairo_rectangle(cairo, rect.x, rect.y, rect.width, rect.height)
        setSource(color)
        cairo_set_line_width(cairo, width)
        cairo_stroke(cairo)
    }

    /// A polyline; `dash` lengths are in points (empty = solid).
    enum LineCap { case butt, square, round }

    func line(_ points: [Point], _ color: Color, width: Double, dash: [Double] = [], cap: LineCap = .butt) {
        guard points.count >= 2 else { return }
        cairo_move_to(cairo, points[0].x, points[0].y)
        for p in points.dropFirst() { cairo_line_to(cairo, p.x, p.y) }
        setSource(color)
        cairo_set_line_width(cairo, width)
        switch cap {
        case .butt: cairo_set_line_cap(cairo, CAIRO_LINE_CAP_BUTT)
        case .square: cairo_set_line_cap(cairo, CAIRO_LINE_CAP_SQUARE)
        case .round: cairo_set_line_cap(cairo, CAIRO_LINE_CAP_ROUND)
        }
        cairo_set_line_join(cairo, CAIRO_LINE_JOIN_ROUND)
        dash.withUnsafeBufferPointer { cairo_set_dash(cairo, $0.baseAddress, Int32(dash.count), 0) }
        cairo_stroke(cairo)
        cairo_set_dash(cairo, nil, 0, 0)
        cairo_set_line_cap(cairo, CAIRO_LINE_CAP_BUTT)
    }

    /// A closed polygon, filled and outlined.
    func polygon(_ points: [Point], fill: Color, stroke: Color, width: Double) {
        guard points.count >= 3 else { return }
        cairo_move_to(cairo, points[0].x, points[0].y)
        for p in points.dropFirst() { cairo_line_to(cairo, p.x, p.y) }
        cairo_close_path(cairo)
        setSource(fill)
        cairo_fill_preserve(cairo)
        setSource(stroke)
        cairo_set_line_width(cairo, width)
        cairo_set_line_join(cairo, CAIRO_LINE_JOIN_MITER)
        cairo_stroke(cairo)
    }

    func line(from a: Point, to b: Point, _ color: Color, width: Double) {
        line([a, b], color, width: width)
    }

    /// A marker centred on `center`, `size` points across.
    func marker(_ shape: Marker, at center: Point, size: Double, fill: Color?, stroke: Color, lineWidth: Double) {
        let r = size / 2
        let (x, y) = (center.x, center.y)
        var strokeOnly = false
        switch shape {
        case .circle:
            cairo_new_sub_path(cairo)
            cairo_arc(cairo, x, y, r, 0, 2 * .pi)
        case .square:
            let s = r * 0.88
            cairo_rectangle(cairo, x - s, y - s, 2 * s, 2 * s)
        case .triangle:
            let s = r * 1.15
            cairo_move_to(cairo, x, y - s)
            cairo_line_to(cairo, x + s * 0.866, y + s * 0.5)
            cairo_line_to(cairo, x - s * 0.866, y + s * 0.5)
            cairo_close_path(cairo)
        case .diamond:
            let s = r * 1.15
            cairo_move_to(cairo, x, y - s)
            cairo_line_to(cairo, x + s * 0.75, y)
            cairo_line_to(cairo, x, y + s)
            cairo_line_to(cairo, x - s * 0.75, y)
            cairo_close_path(cairo)
        case .cross:
            let s = r * 0.8
            cairo_move_to(cairo, x - s, y - s); cairo_line_to(cairo, x + s, y + s)
            cairo_move_to(cairo, x - s, y + s); cairo_line_to(cairo, x + s, y - s)
            strokeOnly = true
        case .plus:
            cairo_move_to(cairo, x - r, y); cairo_line_to(cairo, x + r, y)
            cairo_move_to(cairo, x, y - r); cairo_line_to(cairo, x, y + r)
            strokeOnly = true
        }
        if let fill, !strokeOnly {
            setSource(fill)
            cairo_fill_preserve(cairo)
        }
        setSource(stroke)
        cairo_set_line_width(cairo, strokeOnly ? lineWidth * 1.3 : lineWidth)
        cairo_stroke(cairo)
    }

    /// Runs `body` with drawing restricted to `rect`.
    func clipped(to rect: Rect, _ body: () throws -> Void) rethrows {
        cairo_save(cairo)
        cairo_rectangle(cairo, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cairo)
        defer { cairo_restore(cairo) }
        try body()
    }

    /// Diagonal hatching over the union of `regions` (non-overlapping rectangles).
    func hatch(_ regions: [Rect], bounds: Rect, color: Color, spacing: Double, lineWidth: Double) {
        guard !regions.isEmpty else { return }
        cairo_save(cairo)
        for r in regions { cairo_rectangle(cairo, r.x, r.y, r.width, r.height) }
        cairo_clip(cairo)
        var offset = -bounds.height
        while offset < bounds.width {
            cairo_move_to(cairo, bounds.minX + offset, bounds.maxY)
            cairo_line_to(cairo, bounds.minX + offset + bounds.height, bounds.minY)
            offset += spacing
        }
        setSource(color)
        cairo_set_line_width(cairo, lineWidth)
        cairo_stroke(cairo)
        cairo_restore(cairo)
    }

    /// Draws a `width` × `height` image of packed 0xRRGGBB pixels (row-major, top row first)
    /// stretched over `rect`.
    ///
    /// - Parameter sharp: nearest-neighbour scaling (crisp cell edges, for images shown larger than
    ///   their pixel count); otherwise Cairo's GOOD filter, which averages when shrinking so that
    ///   thin structures in a long sequence are not silently dropped.
    func image(pixels: [UInt32], width: Int, height: Int, in rect: Rect, sharp: Bool) throws {
        guard width > 0, height > 0, pixels.count == width * height else { return }
        if sharp, format == .svg {
            // SVG has no nearest-neighbour flag that every renderer honours (rsvg, browsers and
            // Inkscape all smooth <image>), so replicate each cell into a k × k block: smoothing
            // then only softens the outermost pixel of a cell. k aims at 2 px per point (144 dpi),
            // at most 64, keeping the image under 3000 px a side.
            let pointsPerCell = min(rect.width / Double(width), rect.height / Double(height))
            let k = max(1, min(64, Int((pointsPerCell * 2).rounded(.up)), 3000 / max(width, height)))
            if k > 1 {
                let (big, bigWidth, bigHeight) = Self.upscaled(pixels, width: width, height: height, by: k)
                try drawImage(pixels: big, width: bigWidth, height: bigHeight, in: rect, sharp: true)
                return
            }
        }
        try drawImage(pixels: pixels, width: width, height: height, in: rect, sharp: sharp)
    }

    private static func upscaled(_ pixels: [UInt32], width: Int, height: Int, by k: Int) -> ([UInt32], Int, Int) {
        let bigWidth = width * k
        var big = [UInt32](repeating: 0, count: bigWidth * height * k)
        for row in 0..<height {
            let base = row * k * bigWidth
            for col in 0..<width {
                let value = pixels[row * width + col]
                for dx in 0..<k { big[base + col * k + dx] = value }
            }
            for dy in 1..<k {
                let source = base, target = base + dy * bigWidth
                for x in 0..<bigWidth { big[target + x] = big[source + x] }
            }
        }
        return (big, bigWidth, height * k)
    }

    private func drawImage(pixels: [UInt32], width: Int, height: Int, in rect: Rect, sharp: Bool) throws {
        guard width <= Self.maxPixelsPerSide, height <= Self.maxPixelsPerSide else {
            throw PlotError.figureTooLarge(widthPixels: width, heightPixels: height)
        }
        guard let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)),
              cairo_surface_status(image) == CAIRO_STATUS_SUCCESS,
              let base = cairo_image_surface_get_data(image) else {
            throw PlotError.renderingFailed("cannot allocate a \(width)×\(height) image")
        }
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        pixels.withUnsafeBufferPointer { source in
            for row in 0..<height {
                let destination = UnsafeMutableRawPointer(base + row * stride)
                    .assumingMemoryBound(to: UInt32.self)
                destination.update(from: source.baseAddress! + row * width, count: width)
            }
        }
        cairo_surface_mark_dirty(image)

        cairo_save(cairo)
        cairo_rectangle(cairo, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cairo)
        cairo_translate(cairo, rect.x, rect.y)
        cairo_scale(cairo, rect.width / Double(width), rect.height / Double(height))
        cairo_set_source_surface(cairo, image, 0, 0)
        let pattern = cairo_get_source(cairo)
        cairo_pattern_set_filter(pattern, sharp ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD)
        cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD)
        cairo_paint(cairo)
        cairo_restore(cairo)
    }

    /// A vertical colour ramp: `colormap` at 0 on the bottom edge of `rect`, 1 on the top.
    func verticalRamp(_ colormap: Colormap, in rect: Rect) {
        let gradient = cairo_pattern_create_linear(0, rect.maxY, 0, rect.minY)
        let stops = 128
        for i in 0...stops {
            let t = Double(i) / Double(stops)
            let c = colormap.color(at: t)
            cairo_pattern_add_color_stop_rgb(gradient, t, c.red, c.green, c.blue)
        }
        cairo_rectangle(cairo, rect.x, rect.y, rect.width, rect.height)
        cairo_set_source(cairo, gradient)
        cairo_fill(cairo)
        cairo_pattern_destroy(gradient)
    }
}
