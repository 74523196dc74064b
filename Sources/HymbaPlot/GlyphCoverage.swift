import CCairo

/// Which characters of some text no installed font can draw.
///
/// Pango falls back through fontconfig to any font that has a glyph; when none has, it draws a
/// box (a hex box in PDF). Token strings come from any script, so the commands ask before they
/// draw and say which characters will show as boxes and what to install, instead of leaving a
/// figure of boxes without a word.
public enum GlyphCoverage {
    /// The distinct characters of `strings` (in first-seen order) that would draw as boxes in
    /// `theme`'s font family and its fontconfig fallbacks.
    public static func missingCharacters(in strings: [String], theme: Theme = Theme()) -> [Character] {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1)
        let cairo = cairo_create(surface)!
        defer { cairo_destroy(cairo); cairo_surface_destroy(surface) }
        let layout = pango_cairo_create_layout(cairo)!
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let font = pango_font_description_new()!
        defer { pango_font_description_free(font) }
        pango_font_description_set_family(font, theme.fontFamily)
        pango_font_description_set_absolute_size(font, 10 * Double(PANGO_SCALE))
        pango_layout_set_font_description(layout, font)

        var seen = Set<Character>(), missing: [Character] = []
        for string in strings {
            // Whole strings first: almost every label is fully covered, so this is one layout each.
            pango_layout_set_text(layout, string, -1)
            guard pango_layout_get_unknown_glyphs_count(layout) > 0 else { continue }
            for character in string where !character.isWhitespace && seen.insert(character).inserted {
                pango_layout_set_text(layout, String(character), -1)
                if pango_layout_get_unknown_glyphs_count(layout) > 0 { missing.append(character) }
            }
        }
        return missing
    }
}
