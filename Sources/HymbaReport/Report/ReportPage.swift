import Foundation
import HymbaAnalysis
import HymbaKit

/// index.html of a report: headline numbers first, then one section per analysis with every
/// figure (PNG, linked to its SVG) and a caption saying what it measures and what it found,
/// then links to the tables. Self-contained: no script, no external style or font.
///
/// The page knows no analysis: each one hands over its section and its headline table
/// (`AnalysisOutput`), in the registry's order.
struct ReportPage {
    let summary: ReportSummary
    let sections: [ReportSection]
    /// The analyses' headline tables, in order.
    let headlines: String
    /// The interactive page's file (nil when there is none) and the sentence shown with it.
    var viewer: (file: String?, note: String) = (nil, "")

    private var config: HymbaConfig { summary.run.config }

    var html: String {
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>HymbaLens report — \(escape(summary.run.modelPath))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #1a1a1a; line-height: 1.45; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        h2 { font-size: 1.25em; margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
        figure { margin: 1.5em 0; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { font-size: 0.92em; color: #333; margin-top: 0.4em; }
        figcaption b { color: #1a1a1a; }
        table { border-collapse: collapse; font-size: 0.9em; margin: 0.8em 0; }
        th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
        th { background: #f4f4f4; }
        td.text, th.text { text-align: left; }
        .files { font-size: 0.88em; color: #555; }
        .note { font-size: 0.9em; color: #444; background: #f8f8f8; padding: 0.8em 1em; border-left: 3px solid #bbb; }
        code { font-size: 0.92em; }
        </style>
        </head>
        <body>
        <h1>HymbaLens report</h1>
        <p>Model <code>\(escape(summary.run.modelPath))</code> (\(config.hiddenLayers) layers, \(config.attentionHeads) attention + \(config.attentionHeads) SSM heads per layer, \(config.memoryTokens) meta tokens, global attention in layers \(globalLayers)) on \(domainList). Passages are tokenized with BOS; all numbers are means over real-token rows, then passages (ΔNLL pools tokens).</p>

        """
        out += "<h2 id=\"headlines\">Headline numbers</h2>\n" + headlines
        out += "<h2 id=\"view\">Interactive view</h2>\n<p>"
            + (viewer.file.map { "<a href=\"\(escape($0))\"><b>Open the interactive view</b></a>. " } ?? "")
            + escape(viewer.note) + "</p>\n"
        for section in sections { out += render(section) }
        out += """
        <h2 id="about">About this report</h2>
        <p class="note">Made by <code>\(escape("hymba-lens " + summary.arguments))</code> in \(RunProgress.clock(summary.wallSeconds)) (\(String(format: "%.1f", summary.wallSeconds)) s wall time, model loading and figure rendering included\(summary.runNote.isEmpty ? "" : "; " + escape(summary.runNote)). summary.json holds the headline numbers; every folder holds the JSON and CSV tables behind its figures (CSV: one header row, readable by <code>pandas.read_csv</code>). Definitions: <code>hymba-lens help &lt;analysis&gt;</code> and docs/analyses.md.</p>
        </body>
        </html>

        """
        return out
    }

    private var globalLayers: String {
        (0..<config.hiddenLayers).filter { config.isGlobal(layer: $0) }.map(String.init).joined(separator: ", ")
    }

    private var domainList: String {
        summary.run.domains.map { "\(escape($0.name)) (\($0.passages) passages, \($0.tokenCount) tokens)" }.joined(separator: ", ")
    }

    private func render(_ section: ReportSection) -> String {
        var out = "<h2 id=\"\(escape(section.id))\">\(escape(section.title))</h2>\n<p>\(escape(section.intro))</p>\n"
        for figure in section.writer.figures {
            out += """
            <figure id="\(escape(figure.path))">
            <a href="\(escape(figure.path)).svg"><img src="\(escape(figure.path)).png" alt="\(escape(figure.title))"></a>
            <figcaption><b>\(escape(figure.title)).</b> \(escape(figure.caption))</figcaption>
            </figure>

            """
        }
        out += section.extraHTML
        let files = section.writer.tables.map { "<a href=\"\(escape($0))\">\(escape(URL(fileURLWithPath: $0).lastPathComponent))</a>" }
        out += "<p class=\"files\">Tables: \(files.joined(separator: ", ")). The same files alone: <code>hymba-lens \(escape(section.command))</code>.</p>\n"
        return out
    }

    private func escape(_ text: String) -> String { HTMLText.escape(text) }
}

/// One analysis's part of the report page.
public struct ReportSection {
    let id: String
    let title: String
    /// The subcommand that writes the same files alone.
    let command: String
    let intro: String
    let writer: ArtifactWriter
    /// Shown after the figures (e.g. the head-role table).
    var extraHTML: String = ""
}
