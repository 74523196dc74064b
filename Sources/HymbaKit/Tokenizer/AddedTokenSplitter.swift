/// Cuts text at occurrences of added tokens the way Hugging Face does (Aho-Corasick,
/// leftmost-longest): the match starting furthest left wins, the longest one at that start.
///
/// A byte trie walked from each position that can begin a token; cheap because few bytes can.
struct AddedTokenSplitter: Sendable {
    enum Piece: Equatable {
        case token(id: Int)
        case text(Range<Int>)  // byte offsets into the split text
    }

    private struct Node: Sendable {
        var children: [UInt8: Int32] = [:]
        var tokenID = -1
    }

    private var nodes = [Node()]
    private var canStartToken = [Bool](repeating: false, count: 256)

    var isEmpty: Bool { nodes.count == 1 }

    /// - Parameter patterns: each token's text as it must appear, and its id.
    init(patterns: [(text: [UInt8], id: Int)]) {
        for pattern in patterns where !pattern.text.isEmpty {
            var node = 0
            for byte in pattern.text {
                if let child = nodes[node].children[byte] {
                    node = Int(child)
                } else {
                    nodes.append(Node())
                    nodes[node].children[byte] = Int32(nodes.count - 1)
                    node = nodes.count - 1
                }
            }
            nodes[node].tokenID = pattern.id
            canStartToken[Int(pattern.text[0])] = true
        }
    }

    /// The text as alternating text ranges and added tokens; empty ranges are left out.
    func split(_ text: UnsafeBufferPointer<UInt8>) -> [Piece] {
        guard !isEmpty else { return text.isEmpty ? [] : [.text(0..<text.count)] }
        var pieces: [Piece] = []
        var textStart = 0
        var index = 0
        while index < text.count {
            guard canStartToken[Int(text[index])], let (id, end) = longestMatch(in: text, at: index) else {
                index += 1
                continue
            }
            if textStart < index { pieces.append(.text(textStart..<index)) }
            pieces.append(.token(id: id))
            index = end
            textStart = end
        }
        if textStart < text.count { pieces.append(.text(textStart..<text.count)) }
        return pieces
    }

    private func longestMatch(in text: UnsafeBufferPointer<UInt8>, at start: Int) -> (id: Int, end: Int)? {
        var node = 0
        var best: (id: Int, end: Int)?
        var index = start
        while index < text.count, let child = nodes[node].children[text[index]] {
            node = Int(child)
            index += 1
            if nodes[node].tokenID >= 0 { best = (nodes[node].tokenID, index) }
        }
        return best
    }
}
