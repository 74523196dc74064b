import Foundation

/// Each generated token's attention over the whole context, layer by layer, collected while
/// `generate` runs (`layers.{i}.attn_weights` of a generate recording):
///
/// ```
/// attn_weights[h, k, u] = p[h, t_k, u],   t_k = M + n − 1 + k,   u < P = M + n + new − 1
/// ```
/// Row k is the query row whose logits chose generated token k (row 0 is the prompt's last row,
/// the others are decode steps), so it lines up with `step_logits`. `p` is that row's softmax
/// (meta keys first; 0 where the row's mask hides a key, and for keys after `t_k`). Decode rows
/// use the decode mask, as the reference does.
final class GeneratedAttention: @unchecked Sendable {   // rows are written by one call at a time
    let layers: [Int]
    let heads: Int
    /// Per layer: one `(H, t_k + 1)` block per recorded row.
    private var rows: [Int: [[Float]]] = [:]
    private var lengths: [Int] = []

    init(layers: [Int], heads: Int) {
        self.layers = layers
        self.heads = heads
    }

    /// An observer for `layer` that keeps query row `row` of the coming call (nil when the layer
    /// is not recorded); `finish()` it after the call.
    func observer(layer: Int, row: Int) -> Row? {
        guard layers.contains(layer) else { return nil }
        return Row(owner: self, layer: layer, row: row)
    }

    fileprivate func store(layer: Int, row: Int, values: [Float]) {
        rows[layer, default: []].append(values)
        if layer == layers.first { lengths.append(row + 1) }
    }

    /// `layers.{i}.attn_weights` `[H, new, P]`, P the longest row's key count.
    func tensors() -> [(name: String, tensor: Tensor)] {
        let width = lengths.max() ?? 0, count = lengths.count
        return layers.map { layer in
            var out = [Float](repeating: 0, count: heads * count * width)
            for (k, block) in (rows[layer] ?? []).enumerated() {
                let length = lengths[k]
                for h in 0..<heads {
                    for u in 0..<length { out[(h * count + k) * width + u] = block[h * length + u] }
                }
            }
            return ("layers.\(layer).attn_weights", Tensor(shape: [heads, count, width], floats: out))
        }
    }

    /// Collects one query row of one layer from the attention kernel; heads arrive on different
    /// threads, each writing only its own slice of the preallocated block.
    final class Row: AttentionRowObserver, @unchecked Sendable {
        let owner: GeneratedAttention
        let layer: Int
        let row: Int
        let block: UnsafeMutablePointer<Float>

        init(owner: GeneratedAttention, layer: Int, row: Int) {
            self.owner = owner
            self.layer = layer
            self.row = row
            block = .allocate(capacity: owner.heads * (row + 1))
            block.initialize(repeating: 0, count: owner.heads * (row + 1))
        }

        deinit { block.deallocate() }

        /// Hands the collected row to the owner (after the layer's attention ran).
        func finish() {
            owner.store(layer: layer, row: row, values: Array(UnsafeBufferPointer(start: block, count: owner.heads * (row + 1))))
        }

        func wants(head h: Int) -> Bool { true }

        func observe(head h: Int, query t: Int, probabilities: UnsafePointer<Float>, keys: (meta: Range<Int>, window: Range<Int>)) {
            guard t == row else { return }
            let out = block + h * (row + 1)
            for (j, u) in keys.meta.enumerated() { out[u] = probabilities[j] }
            for (j, u) in keys.window.enumerated() where u <= row { out[u] = probabilities[keys.meta.count + j] }
        }
    }
}
