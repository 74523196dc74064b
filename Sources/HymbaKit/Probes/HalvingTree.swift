/// A block of rows halved recursively: node 0 is the whole block, a node longer than `leafRows`
/// has the children `[a, m)` and `[m, b)` with `m = a + ⌊(b − a)/2⌋`, parents before children.
///
/// `ImplicitAttentionBlocks` computes the block's own (diagonal) part of the implicit attention on
/// it: every pair `j < i` of the block is separated by the midpoint of exactly one node — the
/// smallest node containing both, where `j` is in the left child and `i` in the right — and every
/// pair inside a leaf is computed directly.
struct HalvingTree {
    struct Node {
        let rows: Range<Int>
        let parent: Int?
        let depth: Int
        /// `(left, right)` node indices, or nil for a leaf.
        var children: (left: Int, right: Int)?
        /// Whether this node is its parent's right child (`rows.lowerBound` is the parent's midpoint).
        let isRight: Bool
    }

    private(set) var nodes: [Node]
    /// `leafOfRow[i − block.lowerBound]` is the leaf holding row i.
    private(set) var leafOfRow: [Int]
    /// The internal nodes of every depth, deepest last.
    private(set) var internalByDepth: [[Int]] = []

    init(block: Range<Int>, leafRows: Int) {
        nodes = [Node(rows: block, parent: nil, depth: 0, children: nil, isRight: false)]
        leafOfRow = [Int](repeating: 0, count: block.count)
        var index = 0
        while index < nodes.count {
            let node = nodes[index]
            if node.rows.count > max(1, leafRows) {
                let a = node.rows.lowerBound, b = node.rows.upperBound, m = a + node.rows.count / 2
                nodes.append(Node(rows: a..<m, parent: index, depth: node.depth + 1, children: nil, isRight: false))
                nodes.append(Node(rows: m..<b, parent: index, depth: node.depth + 1, children: nil, isRight: true))
                nodes[index].children = (nodes.count - 2, nodes.count - 1)
                if internalByDepth.count <= node.depth { internalByDepth.append([]) }
                internalByDepth[node.depth].append(index)
            } else {
                for i in node.rows { leafOfRow[i - block.lowerBound] = index }
            }
            index += 1
        }
    }
}
