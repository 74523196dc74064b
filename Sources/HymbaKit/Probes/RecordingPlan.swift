/// What to record from one forward pass: hook points, and for each the layers and heads.
///
/// Syntax of a plan (the `--record` option), a comma-separated list of items:
///
/// ```
/// item   := name [ '@' layers ] [ ':' heads ]
/// name   := all | input_ids | logits | <hook point> | layers.<i>.<hook point> | glob (ssm_*, *_mass)
/// layers := all | layer-or-range ( ',' layer-or-range )*     e.g. 0,15,31  2-5  last
/// heads  := 'h' head-or-range ( ',h' head-or-range )*  e.g. h0-3,h7
/// ```
/// Examples: `all`; `attn_probs@0,15,31`; `ssm_attn@last:h0-3`; `*_mass,meta_attn_received`;
/// `layers.3.hidden,logits`. A bare number after an item with a layer list continues that list
/// and an `h<number>` continues its head list. Head selections apply to the per-head maps
/// (`attn_probs`, `ssm_attn`) of the layers of their own item; other points record all heads,
/// and a head selection on an item with no per-head map is an error.
public struct RecordingPlan: Hashable, Sendable {
    /// Which heads of a per-head map: all of them, or these (sorted).
    public enum Heads: Hashable, Sendable {
        case all
        case only([Int])

        func union(_ other: Heads) -> Heads {
            guard case .only(let a) = self, case .only(let b) = other else { return .all }
            return .only(Array(Set(a + b)).sorted())
        }
    }

    /// The layers of one hook point and the heads recorded at each.
    public struct Selection: Hashable, Sendable {
        /// Heads on every layer, when the point was asked for at all layers.
        public var everyLayer: Heads?
        /// Heads at the layers named explicitly.
        public var namedLayers: [Int: Heads] = [:]

        /// The same heads at `layers` (nil = every layer); `heads` nil = all heads.
        public init(layers: [Int]?, heads: [Int]?) {
            let choice = heads.map { Heads.only(Array(Set($0)).sorted()) } ?? .all
            if let layers {
                for layer in layers { namedLayers[layer] = choice }
            } else {
                everyLayer = choice
            }
        }

        /// The recorded layers, sorted; nil when every layer is recorded.
        public var layers: [Int]? { everyLayer == nil ? namedLayers.keys.sorted() : nil }

        /// The heads recorded at `layer`, or nil when the layer is not recorded.
        public func heads(at layer: Int) -> Heads? {
            switch (everyLayer, namedLayers[layer]) {
            case (nil, nil): return nil
            case (let a?, nil): return a
            case (nil, let b?): return b
            case (let a?, let b?): return a.union(b)
            }
        }

        mutating func merge(_ other: Selection) {
            if let heads = other.everyLayer { everyLayer = everyLayer.map { $0.union(heads) } ?? heads }
            for (layer, heads) in other.namedLayers {
                namedLayers[layer] = namedLayers[layer].map { $0.union(heads) } ?? heads
            }
        }
    }

    public private(set) var points: [HookPoint: Selection] = [:]
    public private(set) var modelKeys: Set<ModelKey> = []
    /// SSM channels whose individual implicit maps `ssm_attn_channels` records.
    public private(set) var ssmAttentionChannels: [Int] = []
    /// The plan as the user wrote it.
    public let specification: String

    /// One item of the plan after its continuations ("attn_probs@0", "15", "h2") are folded in.
    private struct Item {
        var text: String
        var names: [String]
        /// nil = every layer.
        var layers: [Int]?
        /// Whether the item wrote its layers out (`@…` or `layers.<i>.`), so numbers may continue them.
        var hasLayerList: Bool
        var heads: [Int]?
    }

    /// Parses and validates a plan against a model's layer and head counts.
    public init(_ specification: String, config: HymbaConfig, ssmAttentionChannels: [Int] = []) throws {
        self.specification = specification
        let layerCount = config.hiddenLayers, headCount = config.attentionHeads
        let tokens = specification.split(separator: ",", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !tokens.isEmpty else { throw ProbeError.emptyPlan }

        var items: [Item] = []
        for token in tokens {
            let (body, headPart) = Self.splitHeads(token)
            if let first = body.first, first.isNumber || body == "last" {
                // Continues the previous item's layers: "attn_probs@0,15,31".
                guard var item = items.popLast() else { throw ProbeError.badSelection(item: token, reason: "a layer number needs a key before it") }
                item.text += "," + token
                guard item.hasLayerList else {
                    throw ProbeError.badSelection(item: item.text, reason: "'\(body)' continues a layer list, but the item before it has none (write name@\(body))")
                }
                let layers = try Self.parseRange(body, item: item.text, kind: .layer, count: layerCount)
                if item.layers != nil { item.layers! += layers }          // (an "@all" list stays all)
                if let headPart { item.heads = (item.heads ?? []) + (try Self.parseHeads(headPart, item: item.text, count: headCount)) }
                items.append(item)
            } else if Self.isHeadToken(body) {
                guard var item = items.popLast() else { throw ProbeError.badSelection(item: token, reason: "a head selection needs a key before it") }
                item.text += "," + token
                item.heads = (item.heads ?? []) + (try Self.parseHeads(body, item: item.text, count: headCount))
                items.append(item)
            } else {
                var name = body.trimmingCharacters(in: .whitespaces)
                var layers: [Int]?
                var hasLayerList = false
                if let at = body.firstIndex(of: "@") {
                    name = body[..<at].trimmingCharacters(in: .whitespaces)
                    let layerText = body[body.index(after: at)...].trimmingCharacters(in: .whitespaces)
                    layers = layerText == "all" ? nil : try Self.parseRange(layerText, item: token, kind: .layer, count: layerCount)
                    hasLayerList = true
                }
                if name.hasPrefix("layers."), let (layer, rest) = Self.splitLayerKey(name) {
                    name = rest
                    if let layer {
                        guard !hasLayerList else {
                            throw ProbeError.badSelection(item: token, reason: "the layer is given twice (as layers.\(layer). and after '@')")
                        }
                        layers = [layer]
                        hasLayerList = true
                    }
                }
                let heads = try headPart.map { try Self.parseHeads($0, item: token, count: headCount) }
                items.append(Item(text: token, names: try Self.resolve(name), layers: layers, hasLayerList: hasLayerList, heads: heads))
            }
        }

        for item in items { try add(item, layerCount: layerCount, headCount: headCount, channels: ssmAttentionChannels) }

        for (index, channel) in ssmAttentionChannels.enumerated() {
            guard (0..<config.innerSize).contains(channel) else {
                throw ProbeError.channelOutOfRange(channel: channel, channels: config.innerSize)
            }
            if ssmAttentionChannels[..<index].contains(channel) {
                throw ProbeError.badSelection(item: ssmAttentionChannels.map(String.init).joined(separator: ","),
                                              reason: "SSM channel \(channel) is listed twice")
            }
        }
        self.ssmAttentionChannels = ssmAttentionChannels
        if !ssmAttentionChannels.isEmpty, points[.ssmAttnChannels] == nil {
            points[.ssmAttnChannels] = Selection(layers: points[.ssmAttn]?.layers, heads: nil)
        }
        if ssmAttentionChannels.isEmpty { points[.ssmAttnChannels] = nil }
    }

    /// Whether anything of `point` is recorded at `layer`.
    public func wants(_ point: HookPoint, layer: Int) -> Bool {
        points[point]?.heads(at: layer) != nil
    }

    /// The heads of a per-head map recorded at `layer` (sorted), or nil when not recorded.
    public func heads(_ point: HookPoint, layer: Int, headCount: Int) -> [Int]? {
        switch points[point]?.heads(at: layer) {
        case nil: return nil
        case .all?: return Array(0..<headCount)
        case .only(let heads)?: return heads
        }
    }

    public func wants(_ key: ModelKey) -> Bool { modelKeys.contains(key) }

    /// What a run over the meta rows alone must record so that a run over the real rows can
    /// complete this plan (see `MetaRecording`): the per-row points and per-head maps as
    /// selected, and — at layers with an SSM implicit-attention point — Δ, B and C, the meta
    /// rows' part of the implicit attention's inputs. The real-row reductions are left out.
    func metaRowsPlan() -> RecordingPlan {
        var plan = self
        plan.modelKeys = []
        for point in HookPoint.allCases where !point.coversEveryRow { plan.points[point] = nil }
        var inputs: Selection?
        for point in HookPoint.allCases where point.readsImplicitAttention {
            guard let selection = points[point] else { continue }
            let layers = Selection(layers: selection.layers, heads: nil)
            if inputs == nil { inputs = layers } else { inputs!.merge(layers) }
        }
        if let inputs {
            for point in [HookPoint.ssmDt, .ssmB, .ssmC] {
                if plan.points[point] == nil { plan.points[point] = inputs } else { plan.points[point]!.merge(inputs) }
            }
        }
        return plan
    }

    /// A readable one-line summary, e.g. for manifests: "layers 0,2:h1,h3" per point, with
    /// per-layer heads spelled out where they differ.
    public var summary: [String: String] {
        func text(_ heads: Heads) -> String {
            guard case .only(let list) = heads else { return "" }
            return ":h" + list.map(String.init).joined(separator: ",h")
        }
        var out: [String: String] = [:]
        for key in modelKeys { out[key.rawValue] = "recorded" }
        for (point, selection) in points {
            var parts: [String] = []
            if let every = selection.everyLayer { parts.append("layers all" + text(every)) }
            // Named layers as recorded (every-layer heads included), where that differs.
            var named: [Int: Heads] = [:]
            for layer in selection.namedLayers.keys {
                let heads = selection.heads(at: layer)!
                if heads != selection.everyLayer { named[layer] = heads }
            }
            let groups = Dictionary(grouping: named.keys.sorted()) { named[$0]! }
            for (heads, layers) in groups.sorted(by: { $0.value[0] < $1.value[0] }) {
                parts.append("layers " + layers.map(String.init).joined(separator: ",") + text(heads))
            }
            out[point.rawValue] = parts.joined(separator: "; ")
        }
        return out
    }

    // MARK: Parsing helpers

    /// Validates one item and adds what it selects.
    private mutating func add(_ item: Item, layerCount: Int, headCount: Int, channels: [Int]) throws {
        for layer in item.layers ?? [] where !(0..<layerCount).contains(layer) {
            throw ProbeError.layerOutOfRange(item: item.text, layer: layer, layers: layerCount)
        }
        for head in item.heads ?? [] where !(0..<headCount).contains(head) {
            throw ProbeError.headOutOfRange(item: item.text, head: head, heads: headCount)
        }
        let isSingleName = item.names.count == 1
        let points = item.names.compactMap(HookPoint.init(rawValue:))
        if item.heads != nil && !points.contains(where: \.isPerHeadMap) {
            throw ProbeError.badSelection(item: item.text, reason: "heads can be chosen only for attn_probs and ssm_attn")
        }
        for name in item.names {
            guard let key = ModelKey(rawValue: name) else { continue }
            // Inside "all" or a glob, the whole-run keys are simply recorded whole.
            if isSingleName && (item.hasLayerList || item.heads != nil) {
                throw ProbeError.badSelection(item: item.text, reason: "'\(name)' is not per layer")
            }
            modelKeys.insert(key)
        }
        for point in points {
            if point == .ssmAttnChannels && channels.isEmpty {
                guard !isSingleName else {
                    throw ProbeError.badSelection(item: item.text, reason: "ssm_attn_channels needs the channels too (trace --ssm-attn-channels c1,c2)")
                }
                continue
            }
            let selection = Selection(layers: item.layers, heads: point.isPerHeadMap ? item.heads : nil)
            if self.points[point] == nil { self.points[point] = selection } else { self.points[point]!.merge(selection) }
        }
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

    private static func parseHeads(_ text: String, item: String, count: Int) throws -> [Int] {
        var out: [Int] = []
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for part in parts {
            guard part.first == "h", part.count > 1 else {
                throw ProbeError.badSelection(item: item, reason: "heads are written h<number> or h<from>-<to>, e.g. h0-3")
            }
            out += try parseRange(String(part.dropFirst()), item: item, kind: .head, count: count)
        }
        return out
    }

    /// What a number in a plan counts, for its range check.
    private enum Numbered { case layer, head }

    /// "5" → [5]; "2-4" → [2,3,4]; "last" → [count − 1] (layers only).
    ///
    /// Every number is checked against `count` before a range is expanded, so a range like
    /// `1-999999999999` is an error naming the layer, never an attempt to list that many.
    private static func parseRange(_ text: String, item: String, kind: Numbered, count: Int) throws -> [Int] {
        func checked(_ value: Int) throws -> Int {
            guard (0..<count).contains(value) else {
                switch kind {
                case .layer: throw ProbeError.layerOutOfRange(item: item, layer: value, layers: count)
                case .head: throw ProbeError.headOutOfRange(item: item, head: value, heads: count)
                }
            }
            return value
        }
        var out: [Int] = []
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for part in parts {
            if part.isEmpty { throw ProbeError.badSelection(item: item, reason: "an empty layer or head list") }
            if part == "last", kind == .layer { out.append(try checked(count - 1)); continue }
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard let value = bounds[0] else { throw ProbeError.badSelection(item: item, reason: "'\(part)' is not a number") }
                out.append(try checked(value))
            case 2:
                guard let from = bounds[0], let to = bounds[1], from <= to else {
                    throw ProbeError.badSelection(item: item, reason: "'\(part)' is not a range like 2-5")
                }
                out += Array(try checked(from)...(try checked(to)))
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
