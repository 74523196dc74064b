import ArgumentParser
import Foundation
import HymbaKit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a checkpoint: sizes, dtypes, memory, and what each layer does.",
        discussion: """
        Reads config.json and the safetensors headers only (no weights are widened). For every \
        layer it shows the attention kind (global, or sliding window W) and the KV-sharing role \
        (own K/V, producer for later layers, or consumer of an earlier layer's K/V). The "blas" \
        line names the OpenBLAS kernels this machine runs and who chose them (see `hymba-lens \
        help bench`).

        Example:  hymba-lens inspect models/hymba-tiny
        """)

    @Argument(help: ArgumentHelp("Checkpoint folder.", valueName: "model-dir"))
    var model: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let checkpoint = try Checkpoint(path: model)
        let c = checkpoint.config
        let stored = checkpoint.bytesByDType
        let storedBytes = stored.values.reduce(0, +)
        let parameters = checkpoint.parameterCount
        let layers: [[String: Any]] = (0..<c.hiddenLayers).map { i in
            var entry: [String: Any] = ["layer": i, "attention": c.isGlobal(layer: i) ? "global" : "sliding"]
            if !c.isGlobal(layer: i) { entry["window"] = c.slidingWindow! }
            switch c.kvRole(layer: i) {
            case .own: entry["kv"] = "own"
            case .producer(let consumers): entry["kv"] = "producer"; entry["kv_consumers"] = consumers
            case .consumer(let producer): entry["kv"] = "consumer"; entry["kv_producer"] = producer
            }
            return entry
        }
        if json {
            let summary: [String: Any] = [
                "model": model, "parameters": parameters,
                "dtypes": Dictionary(uniqueKeysWithValues: stored.map { ($0.key.rawValue, $0.value) }),
                "stored_bytes": storedBytes, "fp32_bytes": parameters * 4,
                "shards": checkpoint.shardFiles,
                "hidden_size": c.hiddenSize, "layers": layers, "attention_heads": c.attentionHeads,
                "kv_heads": c.keyValueHeads, "head_dim": c.headDim, "value_head_dim": c.valueHeadDim,
                "d_inner": c.innerSize, "d_state": c.stateSize, "dt_rank": c.dtRank, "conv_width": c.convWidth,
                "mlp_width": c.intermediateSize, "meta_tokens": c.memoryTokens,
                "sliding_window": c.slidingWindow as Any? ?? NSNull(), "vocab_size": c.vocabSize,
                "tied_embeddings": !checkpoint.contains("lm_head.weight"),
                "rope_base": c.rope ? c.ropeBase : NSNull(),
                "blas": BLASCore.statusLine(), "kernels": KernelLevel.name,
            ]
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let dtypes = stored.sorted { $0.value > $1.value }.map { "\($0.key.rawValue) \(Self.bytes($0.value))" }.joined(separator: ", ")
        print("model        \(model)")
        print("parameters   \(Self.count(parameters)) (\(parameters))")
        print("stored       \(dtypes) in \(checkpoint.shardFiles.joined(separator: ", "))")
        print("memory       \(Self.bytes(parameters * 4)) as fp32 weights")
        print("shape        D=\(c.hiddenSize)  layers=\(c.hiddenLayers)  heads=\(c.attentionHeads) (KV \(c.keyValueHeads), hd \(c.headDim), vd \(c.valueHeadDim))")
        print("ssm          d_inner=\(c.innerSize)  d_state=\(c.stateSize)  dt_rank=\(c.dtRank)  conv=\(c.convWidth)")
        print("mlp          \(c.intermediateSize)")
        print("meta tokens  \(c.memoryTokens)")
        print("window       \(c.slidingWindow.map { "\($0) (sliding layers see W+1 rows plus all meta tokens)" } ?? "none (all layers global)")")
        print("vocab        \(c.vocabSize)\(checkpoint.contains("lm_head.weight") ? "" : " (LM head tied to the embedding)")")
        if c.rope { print(String(format: "rope         %@ base %.2f", c.ropeType.rawValue, c.ropeBase)) }
        print("blas         \(BLASCore.statusLine())")
        print("kernels      \(KernelLevel.name) (HymbaLens's C kernels)")
        print("layers")
        for entry in layers {
            let i = entry["layer"] as! Int
            var kind = (entry["attention"] as! String) == "global" ? "global" : "sliding W=\(entry["window"]!)"
            kind = kind.padding(toLength: 18, withPad: " ", startingAt: 0)
            let kv: String
            switch c.kvRole(layer: i) {
            case .own: kv = "own K/V"
            case .producer(let consumers): kv = "K/V producer for layer" + (consumers.count > 1 ? "s " : " ") + consumers.map(String.init).joined(separator: ", ")
            case .consumer(let producer): kv = "reuses K/V of layer \(producer)"
            }
            print(String(format: "  %3d  ", i) + kind + kv)
        }
    }

    static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(n), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: unit == 0 ? "%.0f %@" : "%.1f %@", value, units[unit])
    }

    static func count(_ n: Int) -> String {
        n >= 1_000_000_000 ? String(format: "%.2fB", Double(n) / 1e9)
            : n >= 1_000_000 ? String(format: "%.2fM", Double(n) / 1e6) : "\(n)"
    }
}
