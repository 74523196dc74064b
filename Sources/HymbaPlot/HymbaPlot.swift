import CCairo

/// HymbaPlot: figures drawn with Cairo (PNG, SVG, PDF). The only module that imports Cairo.
public enum HymbaPlotInfo {
    public static var cairoVersion: String { String(cString: cairo_version_string()) }
}
