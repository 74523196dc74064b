import CCairo

// HymbaPlot — publication figures for HymbaLens, drawn with Cairo and Pango.
//
// The only module that imports Cairo. Its API takes plain Swift values (row-major `[Float]` or
// `[Double]` matrices with row and column counts, label arrays, Bool masks), so analyses and the
// CLI hand over numbers, never Cairo objects.
//
//   plot types   Heatmap, LinePlot, BarChart (grouped / stacked), BoxPlot, SmallMultiples
//   layout       Figure: panels in a grid, each panel a full plot with its own titles and axes
//   scales       Colormap (viridis, magma, cividis, RdBu) with Norm (linear, log, power, symmetric);
//                CategoricalPalette (Tol bright, Okabe–Ito) for series
//   output       Figure.render(to:dpi:) — .png / .svg / .pdf by extension, written atomically;
//                renderData(format:dpi:) for the bytes; RasterImage to read PNG pixels back
//   legibility   Legibility: when token labels are thinned and how large automatic maps get
//   errors       PlotError, one line each; nothing is written when one is thrown
//
// Lengths are points (1/72 in) throughout; a PNG at `dpi` has points × dpi / 72 pixels.

/// Versions of the drawing libraries HymbaPlot runs on (for `--version` output and bug reports).
public enum HymbaPlotInfo {
    public static var cairoVersion: String { String(cString: cairo_version_string()) }
    public static var pangoVersion: String { String(cString: pango_version_string()) }
}
