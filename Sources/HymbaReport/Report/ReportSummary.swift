import Foundation
import HymbaAnalysis
import HymbaKit

/// The headline numbers of a report, written as summary.json and quoted by index.html: the
/// run's model and prompt sets, then each analysis's member in the registry's order.
struct ReportSummary {
    let run: RunDescription
    /// (key, value) per analysis: sinks, meta_domains, roles, magnitudes, entropy.
    let members: [(key: String, value: JSONTree)]
    let wallSeconds: Double
    /// The command line after the program name.
    let arguments: String
    /// How the numbers were computed when not in one go (resumed, merged from shards); shown
    /// on the page, not in summary.json, so every way of running gives the same summary.
    let runNote: String

    var json: JSONTree {
        .object([
            ("model", .string(run.modelPath)),
            ("meta_tokens", .integer(run.config.memoryTokens)),
            ("layers", .integer(run.config.hiddenLayers)),
            ("heads", .integer(run.config.attentionHeads)),
            ("command", .string("hymba-lens " + arguments)),
            ("wall_seconds", .number(wallSeconds)),
            ("domains", .array(run.domains.map {
                .object([("name", .string($0.name)), ("file", .string($0.path)),
                         ("passages", .integer($0.passages)), ("tokens", .integer($0.tokenCount))])
            })),
        ] + members.map { ($0.key, $0.value) })
    }
}
