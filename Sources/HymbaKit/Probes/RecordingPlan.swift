/// What to record from one forward pass: hook points, and for each the layers and heads.
///
/// Syntax of a plan (the `--record` option), a comma-separated list of items:
///
/// ```
/// item   := name [ '@' layers ] [ ':' heads ]
/// name   := all | input_ids | logits | <hook point> | layers.<i>.<hook point> | glob (ssm_*, *_mass)
/// layers := layer-or-range ( ',' layer-or-range )*     e.g. 0,15,31  2-5  last
/// heads  := 'h' head-or-range ( ',h' head-or-range )*  e.g. h0-3,h7
/// ```
/// Examples: `all`; `attn_probs@0,15,31`; `ssm_attn@last:h0-3`; `*_mass,meta_attn_received`;
/// `layers.3.hidden,logits`. A bare number after an item continues its layer list and an
/// `h<number>` continues its head list. Head selections apply to the per-head maps
/// (`attn_probs`, `ssm_attn`); other points record all heads.
public struct RecordingPlan: Equatable, Sendable {
    /// Layers and heads of one hook point; `nil` means all.
    public struct Selection: Equatable, Sendable {
        public var layers: [Int]?
        public var heads: [Int]?
    }

    public private(set) var points: [HookPoint: Selection] = [:]
    public private(set) var modelKeys: Set<ModelKey> = []
    /// SSM channels whose individual implicit maps `ssm_attn_channels` records.
    public private(set) var ssmAttentionChannels: [Int] = []
    /// The plan as the user wrote it.
    public let specification: String

    /// Parses and validates a plan against a model's layer and head counts.
    public init(_ specification: String, config: HymbaConfig, ssmAttentionChannels: [Int] = []) throws {
        self.specification = specification
        let layerCount = config.hiddenLayers, headCount = config.attentionHeads
        let tokens = specification.split(separator: ",", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !tokens.isEmpty else { throw ProbeError.emptyPlan }

        var items: [(text: String, names: [String], layers: [Int]?, heads: [Int]?)] = []
        for token in tokens {
            let (body, headPart) = Self.splitHeads(token)
            if let first = body.first, first.isNumber || body == "last" {
                // Continues the previous item's layers: "attn_probs@0,15,31".
                guard !items.isEmpty else { throw ProbeError.badSelection(item: token, reason: "a layer number needs a key before it") }
                let layers = try Self.parseRange(body, item: token, last: layerCount - 1)
                items[items.count - 1].layers = (items[items.count - 1].layers ?? []) + layers
                items[items.count - 1].text += "," + token
                if let headPart { items[items.count - 1].heads = (items[items.count - 1].heads ?? []) + (try Self.parseHeads(headPart, item: token)) }
            } else if Self.isHeadToken(body) {
                guard !items.isEmpty else { throw ProbeError.badSelection(item: token, reason: "a head selection needs a key before it") }
                items[items.count - 1].heads = (items[items.count - 1].heads ?? []) + (try Self.parseHeads(body, item: token))
                items[items.count - 1].text += "," + token
            } else {
                var name = body
                var layers: [Int]?
                if let at = body.firstIndex(of: "@") {
                    name = String(body[..<at])
                    let layerText = String(body[body.index(after: at)...])
                    layers = layerText == "all" ? nil : try Self.parseRange(layerText, item: token, last: layerCount - 1)
                }
                if name.hasPrefix("layers."), let (layer, rest) = Self.splitLayerKey(name) {
                    name = rest
                    if let layer { layers = (layers ?? []) + [layer] }
                }
                let heads = try headPart.map { try Self.parseHeads($0, item: token) }
                items.append((token, try Self.resolve(name), layers, heads))
            }
        }

        for item in items {
            for layer in item.layers ?? [] where !(0..<layerCount).contains(layer) {
                throw ProbeError.layerOutOfRange(item: item.text, layer: layer, layers: layerCount)
            }
            for head in item.heads ?? [] where !(0..<headCount).contains(head) {
                throw ProbeError.headOutOfRange(item: item.text, head: head, heads: headCount)
            }
            for name in item.names {
                if let key = ModelKey(rawValue: name) {
                    if item.layers != nil || item.heads != nil {
                        throw ProbeError.badSelection(item: item.text, reason: "'\(name)' is not per layer")
                    }
                    modelKeys.insert(key)
                    continue
                }
                let point = HookPoint(rawValue: name)!
                if item.heads != nil && !point.isPerHeadMap && item.names.count == 1 {
                    throw ProbeError.badSelection(item: item.text, reason: "heads can be chosen only for attn_probs and ssm_attn")
                }
                add(point, layers: item.layers, heads: point.isPerHeadMap ? item.heads : nil)
            }
        }
        let channels = ssmAttentionChannels
        for channel in channels where !(0..<config.innerSize).contains(channel) {
            throw ProbeError.channelOutOfRange(channel: channel, channels: config.innerSize)
        }
        self.ssmAttentionChannels = channels
        if !channels.isEmpty, points[.ssmAttnChannels] == nil {
            add(.ssmAttnChannels, layers: points[.ssmAttn].map { $0.layers } ?? nil, heads: nil)
        }
        if channels.isEmpty { points[.ssmAttnChannels] = nil }
    }

    /// Whether anything of `point` is recorded at `layer`.
    public func wants(_ point: HookPoint, layer: Int) -> Bool {
        guard let selection = points[point] else { return false }
        return selection.layers?.contains(layer) ?? true
    }

    /// The heads of a per-head map recorded at `layer` (sorted), or nil when not recorded.
    public func heads(_ point: HookPoint, layer: Int, headCount: Int) -> [Int]? {
        guard wants(point, layer: layer) else { return nil }
        return points[point]?.heads ?? Array(0..<headCount)
    }

    public func wants(_ key: ModelKey) -> Bool { modelKeys.contains(key) }

    /// A readable one-line summary, e.g. for manifests.
    public var summary: [String: String] {
        var out: [String: String] = [:]
        for key in modelKeys { out[key.rawValue] = "recorded" }
        for (point, selection) in points {
            let layers = selection.layers.map { $0.map(String.init).joined(separator: ",") } ?? "all"
            let heads = selection.heads.map { ":h" + $0.map(String.init).joined(separator: ",h") } ?? ""
            out[point.rawValue] = "layers " + layers + heads
        }
        return out
    }

    // MARK: Parsing helpers

    private mutating func add(_ point: HookPoint, layers: [Int]?, heads: [Int]?) {
        func union(_ a: [Int]?, _ b: [Int]?, existing: Bool) -> [Int]? {
            guard existing else { return b.map { Array(Set($0)).sorted() } }
            guard let a, let b else { return nil }
            return Array(Set(a + b)).sorted()
        }
        let existing = points[point]
        points[point] = Selection(layers: union(existing?.layers, layers, existing: existing != nil),
                                  heads: union(existing?.heads, heads, existing: existing != nil))
    }

    /// Every name the plan accepts, in a stable order.
    public static var knownNames: [String] {
        ["all"] + ModelKey.allCases.map(\.rawValue) + HookPoint.allCases.map(\.rawValue)
    }

    private static func resolve(_ name: String) throws -> [String] {
        if name == "all" {
            return ModelKey.allCases.map(\.rawValue) + HookPoint.allCases.filter { $0 != .ssmAttnChannels }.map(\.rawValue)
        }
        let candidates = ModelKey.allCases.map(\.rawValue) + HookPoint.allCases.map(\.rawValue)
        if name.contains("*") || name.contains("?") {
            let matches = candidates.filter { Glob(name).matches($0) }
            guard !matches.isEmpty else { throw ProbeError.unknownKey(name, known: knownNames) }
            return matches
        }
        guard candidates.contains(name) else { throw ProbeError.unknownKey(name, known: knownNames) }
        return [name]
    }

    private static func splitHeads(_ token: String) -> (String, String?) {
        guard let colon = token.firstIndex(of: ":") else { return (token, nil) }
        return (String(token[..<colon]), String(token[token.index(after: colon)...]))
    }

    private static func isHeadToken(_ text: String) -> Bool {
        guard text.first == "h", let second = text.dropFirst().first else { return false }
        return second.isNumber
    }

    /// "layers.3.attn_probs" → (3, "attn_probs"); "layers.*.hidden" → (nil, "hidden").
    private static func splitLayerKey(_ name: String) -> (Int?, String)? {
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3 else { return nil }
        if parts[1] == "*" { return (nil, parts[2]) }
        guard let layer = Int(parts[1]) else { return nil }
        return (layer, parts[2])
    }

    private static func parseHeads(_ text: String, item: String) throws -> [Int] {
        var out: [Int] = []
        for part in text.split(separator: ",") {
            guard part.first == "h" else {
                throw ProbeError.badSelection(item: item, reason: "heads are written h<number> or h<from>-<to>, e.g. h0-3")
            }
            out += try parseRange(String(part.dropFirst()), item: item, last: nil)
        }
        return out
    }

    /// "5" → [5]; "2-4" → [2,3,4]; "last" → [last].
    private static func parseRange(_ text: String, item: String, last: Int?) throws -> [Int] {
        var out: [Int] = []
        for part in text.split(separator: ",").map(String.init) {
            if part == "last", let last { out.append(last); continue }
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            switch bounds.count {
            case 1:
                guard let value = bounds[0] else { throw ProbeError.badSelection(item: item, reason: "'\(part)' is not a number") }
                out.append(value)
            case 2:
                guard let from = bounds[0], let to = bounds[1], from <= to else {
                    throw ProbeError.badSelection(item: item, reason: "'\(part)' is not a range like 2-5")
                }
                out += Array(from...to)
            default:
                throw ProbeError.badSelection(item: item, reason: "'\(part)' is not a number or range")
            }
        }
        return out
    }
}

/// Shell-style wildcard matching (`*` any run, `?` one character) for plan key names.
struct Glob {
    let pattern: [Character]
    init(_ pattern: String) { self.pattern = Array(pattern) }

    func matches(_ text: String) -> Bool {
        let s = Array(text)
        var p = 0, t = 0, star = -1, mark = 0
        while t < s.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == s[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

import Foundation
