import Foundation
import HymbaAnalysis
import HymbaKit

/// index.html of a report: headline numbers first, then one section per analysis with every
/// figure (PNG, linked to its SVG) and a caption saying what it measures and what it found,
/// then links to the tables. Self-contained: no script, no external style or font.
struct ReportPage {
    struct Section {
        let id: String
        let title: String
        /// The subcommand that writes the same files alone.
        let command: String
        let intro: String
        let writer: ArtifactWriter
    }

    let summary: ReportSummary
    let sections: [Section]

    var html: String {
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>HymbaLens report — \(escape(summary.modelPath))</title>
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
        <p>Model <code>\(escape(summary.modelPath))</code> (\(summary.config.hiddenLayers) layers, \(summary.config.attentionHeads) attention + \(summary.config.attentionHeads) SSM heads per layer, \(summary.config.memoryTokens) meta tokens, global attention in layers \(globalLayers)) on \(domainList). Passages are tokenized with BOS; all numbers are means over real-token rows, then passages (ΔNLL pools tokens).</p>

        """
        out += headlines
        for section in sections { out += render(section) }
        out += """
        <h2 id="about">About this report</h2>
        <p class="note">Made by <code>\(escape("hymba-lens " + summary.arguments))</code> in \(PassageProgress.clock(summary.wallSeconds)) (\(String(format: "%.1f", summary.wallSeconds)) s wall time, model loading and figure rendering included). summary.json holds the headline numbers; every folder holds the JSON and CSV tables behind its figures (CSV: one header row, readable by <code>pandas.read_csv</code>). Definitions: <code>hymba-lens help &lt;analysis&gt;</code> and docs/analyses.md.</p>
        </body>
        </html>

        """
        return out
    }

    private var globalLayers: String {
        (0..<summary.config.hiddenLayers).filter { summary.config.isGlobal(layer: $0) }.map(String.init).joined(separator: ", ")
    }

    private var domainList: String {
        summary.corpora.map { "\(escape($0.name)) (\($0.passages.count) passages, \($0.tokenCount) tokens)" }.joined(separator: ", ")
    }

    /// The numbers a reader wants before any figure.
    private var headlines: String {
        let sinks = summary.sinks.layers, bare = summary.sinksWithoutMeta.layers
        var out = "<h2 id=\"headlines\">Headline numbers</h2>\n"
        out += "<p>Share of the attention heads' mass per layer (mean over heads and passages), with the meta tokens and without them, and the SSM heads' meta share:</p>\n"
        out += "<table><tr><th>layer</th><th class=\"text\">kind</th><th>meta</th><th>BOS</th><th>self</th><th>BOS without meta</th><th>self without meta</th><th>SSM meta</th></tr>\n"
        for (w, wo) in zip(sinks, bare) {
            out += "<tr><td>\(w.layer)</td><td class=\"text\">\(AnalysisStyle.layerKind(summary.config, layer: w.layer))</td>"
                + [w.attention.meta, w.attention.bos, w.attention.selfMass, wo.attention.bos, wo.attention.selfMass, w.ssm.meta]
                    .map { "<td>\(AnalysisStyle.percent($0))</td>" }.joined() + "</tr>\n"
        }
        out += "</table>\n"
        if let meta = summary.lastMeta {
            out += "<p>Most domain-specific meta tokens at layer \(meta.layer) (share of the domain's meta mass minus the other domains' mean share; permutation p = \(escape(AnalysisStyle.pValue(meta.test.pValue, permutations: meta.test.permutations)))):</p>\n<table><tr><th class=\"text\">domain</th><th class=\"text\">tokens (specificity, percentage points)</th></tr>\n"
            for domain in meta.domains {
                let tokens = domain.topTokens.prefix(3).map { "#\($0.token) (+\(String(format: "%.2f", $0.specificity * 100)))" }
                out += "<tr><td class=\"text\">\(escape(domain.name))</td><td class=\"text\">\(tokens.joined(separator: ", "))</td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "<p>Largest loss increases when one component is zeroed (clean loss \(AnalysisStyle.decimal(summary.deltas.cleanNLL)) nats/token, \(summary.deltas.passages) passages):</p>\n<table><tr><th class=\"text\">component</th><th>ΔNLL (nats/token)</th><th>± s.e.</th></tr>\n"
        for delta in summary.rankedDeltas.prefix(5) {
            out += "<tr><td class=\"text\">\(escape(delta.ablation.description))</td><td>\(AnalysisStyle.decimal(delta.delta, 4))</td><td>\(AnalysisStyle.decimal(delta.standardError, 4))</td></tr>\n"
        }
        out += "</table>\n"
        return out
    }

    private func render(_ section: Section) -> String {
        var out = "<h2 id=\"\(escape(section.id))\">\(escape(section.title))</h2>\n<p>\(escape(section.intro))</p>\n"
        for figure in section.writer.figures {
            out += """
            <figure id="\(escape(figure.path))">
            <a href="\(escape(figure.path)).svg"><img src="\(escape(figure.path)).png" alt="\(escape(figure.title))"></a>
            <figcaption><b>\(escape(figure.title)).</b> \(escape(figure.caption))</figcaption>
            </figure>

            """
        }
        if section.id == "roles" { out += roleTable }
        let files = section.writer.tables.map { "<a href=\"\(escape($0))\">\(escape(URL(fileURLWithPath: $0).lastPathComponent))</a>" }
        out += "<p class=\"files\">Tables: \(files.joined(separator: ", ")). The same files alone: <code>hymba-lens \(escape(section.command))</code>.</p>\n"
        return out
    }

    /// Layer × head role labels for both branches.
    private var roleTable: String {
        let heads = summary.config.attentionHeads
        var out = "<p>Head roles (\(escape(RoleArtifacts.ruleText(summary.rule))); reach in tokens in brackets — mean distance for attention heads, 90 % memory length for SSM heads):</p>\n<table><tr><th>layer</th>"
        for kind in ["attention", "SSM"] { for h in 0..<heads { out += "<th class=\"text\">\(kind) h\(h)</th>" } }
        out += "</tr>\n"
        for layer in 0..<summary.config.hiddenLayers {
            out += "<tr><td>\(layer)</td>"
            for kind in HeadKind.allCases {
                for h in 0..<heads {
                    let head = summary.heads.first { $0.layer == layer && $0.kind == kind && $0.head == h }
                    let text = head.map { "\(summary.rule.role(of: $0, baseline: summary.baseline).rawValue) (\(AnalysisStyle.decimal($0.reach, 1)))" } ?? "n/a"
                    out += "<td class=\"text\">\(escape(text))</td>"
                }
            }
            out += "</tr>\n"
        }
        return out + "</table>\n"
    }

    private func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
