import CCairo
import Foundation

/// Font size, weight and colour of one piece of text.
struct TextStyle: Hashable {
    var size: Double
    var color: Color
    var bold = false
    var italic = false
}

enum HorizontalAnchor { case leading, center, trailing }
enum VerticalAnchor { case top, middle, baseline, bottom }

/// The logical box of a laid-out line, in points.
struct TextExtent {
    var width: Double
    var height: Double
    /// Distance from the top of the box to the baseline.
    var baseline: Double
}

/// Single-line text through Pango on one Cairo context.
///
/// Text is always set as plain text (never markup), so token strings with `<` or `&` are drawn
/// literally; every string first passes `TokenLabel.escapingInvisibles`, so control characters
/// show as escapes instead of breaking lines. Hinting is off and metrics are unhinted, so a string
/// measures the same in PNG, SVG and PDF: the three formats get identical layouts.
final class TextEngine {
    private let cairo: OpaquePointer
    private let layout: OpaquePointer
    private let family: String
    private var fonts: [TextStyle: OpaquePointer] = [:]

    init(cairo: OpaquePointer, fontFamily: String) {
        self.cairo = cairo
        self.family = fontFamily
        layout = pango_cairo_create_layout(cairo)
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        pango_cairo_context_set_font_options(pango_layout_get_context(layout), options)
        cairo_font_options_destroy(options)
        pango_layout_context_changed(layout)
        pango_layout_set_single_paragraph_mode(layout, 1)
    }

    deinit {
        for font in fonts.values { pango_font_description_free(font) }
        g_object_unref(UnsafeMutableRawPointer(layout))
    }

    private func font(for style: TextStyle) -> OpaquePointer {
        var key = style
        key.color = .black
        if let cached = fonts[key] { return cached }
        let description = pango_font_description_new()!
        pango_font_description_set_family(description, family)
        // Absolute size: user-space units are points on every surface, whatever the resolution.
        pango_font_description_set_absolute_size(description, style.size * Double(PANGO_SCALE))
        pango_font_description_set_weight(description, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_font_description_set_style(description, style.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL)
        fonts[key] = description
        return description
    }

    /// Sets up the layout; text wider than `maxWidth` is cut with an ellipsis.
    private func prepare(_ text: String, _ style: TextStyle, maxWidth: Double?) -> TextExtent {
        pango_layout_set_font_description(layout, font(for: style))
        pango_layout_set_width(layout, -1)
        pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE)
        pango_layout_set_text(layout, TokenLabel.escapingInvisibles(text), -1)
        var extent = currentExtent()
        if let maxWidth, extent.width > maxWidth {
            pango_layout_set_width(layout, Int32(max(1, maxWidth) * Double(PANGO_SCALE)))
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
            extent = currentExtent()
            extent.width = min(extent.width, maxWidth)
        }
        return extent
    }

    private func currentExtent() -> TextExtent {
        var logical = PangoRectangle()
        pango_layout_get_extents(layout, nil, &logical)
        let scale = Double(PANGO_SCALE)
        return TextExtent(width: Double(logical.width) / scale,
                          height: Double(logical.height) / scale,
                          baseline: Double(pango_layout_get_baseline(layout)) / scale)
    }

    func measure(_ text: String, _ style: TextStyle, maxWidth: Double? = nil) -> TextExtent {
        pango_cairo_update_layout(cairo, layout)
        return prepare(text, style, maxWidth: maxWidth)
    }

    /// Height of one line of text in `style`, whatever the string.
    func lineHeight(_ style: TextStyle) -> Double {
        measure("Ag", style).height
    }

    /// Draws `text` so that its anchor point lands on `point`.
    ///
    /// - Parameter angle: counter-clockwise rotation in degrees about the anchor point (90 reads
    ///   bottom to top, as a y-axis label).
    @discardableResult
    func draw(_ text: String, _ style: TextStyle, at point: Point,
              horizontal: HorizontalAnchor = .leading, vertical: VerticalAnchor = .baseline,
              angle: Double = 0, maxWidth: Double? = nil) -> TextExtent {
        cairo_save(cairo)
        cairo_translate(cairo, point.x, point.y)
        if angle != 0 { cairo_rotate(cairo, -angle * .pi / 180) }
        pango_cairo_update_layout(cairo, layout)
        let extent = prepare(text, style, maxWidth: maxWidth)
        let dx: Double
        switch horizontal {
        case .leading: dx = 0
        case .center: dx = -extent.width / 2
        case .trailing: dx = -extent.width
        }
        let dy: Double
        switch vertical {
        case .top: dy = 0
        // Centred on the cap height rather than the logical box, which sits low because of
        // descender space: numbers then line up with the tick they label.
        case .middle: dy = -extent.baseline + 0.36 * style.size
        case .baseline: dy = -extent.baseline
        case .bottom: dy = -extent.height
        }
        cairo_move_to(cairo, dx, dy)
        cairo_set_source_rgba(cairo, style.color.red, style.color.green, style.color.blue, style.color.alpha)
        pango_cairo_show_layout(cairo, layout)
        cairo_restore(cairo)
        return extent
    }
}
