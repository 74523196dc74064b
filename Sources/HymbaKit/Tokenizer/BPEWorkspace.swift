/// Scratch memory for merging one symbol sequence: a doubly linked list of symbols over flat
/// arrays plus the merge queue. One workspace is made per `encode` call and reused for every
/// chunk, so the merge loop allocates nothing.
final class BPEWorkspace {
    private(set) var capacity: Int
    /// (capacity,) symbol id, or -1 once the symbol has been merged into its left neighbour.
    private(set) var ids: UnsafeMutablePointer<Int32>
    /// (capacity,) index of the previous live symbol, or -1.
    private(set) var previous: UnsafeMutablePointer<Int32>
    /// (capacity,) index of the next live symbol, or -1.
    private(set) var next: UnsafeMutablePointer<Int32>
    /// (capacity,) rank of the rule for the pair (symbol, next symbol), or `noRule`.
    private(set) var pairRanks: UnsafeMutablePointer<UInt32>
    /// Number of symbols appended since the last `removeAllSymbols()`.
    private(set) var count = 0
    var queue = MergeQueue()

    init() {
        capacity = 256
        ids = .allocate(capacity: capacity)
        previous = .allocate(capacity: capacity)
        next = .allocate(capacity: capacity)
        pairRanks = .allocate(capacity: capacity)
    }

    static let noRule = UInt32.max

    deinit {
        ids.deallocate()
        previous.deallocate()
        next.deallocate()
        pairRanks.deallocate()
        queue.deallocate()
    }

    @inline(__always)
    func removeAllSymbols() {
        count = 0
    }

    /// Appends a symbol at the end of the list.
    @inline(__always)
    func append(_ id: Int32) {
        if count == capacity { grow() }
        ids[count] = id
        previous[count] = Int32(truncatingIfNeeded: count - 1)
        next[count] = Int32(truncatingIfNeeded: count + 1)
        count += 1
    }

    /// Terminates the list after the last appended symbol.
    @inline(__always)
    func closeList() {
        if count > 0 { next[count - 1] = -1 }
    }

    private func grow() {
        let newCapacity = capacity * 2
        ids = BPEWorkspace.moved(ids, count: count, to: newCapacity)
        previous = BPEWorkspace.moved(previous, count: count, to: newCapacity)
        next = BPEWorkspace.moved(next, count: count, to: newCapacity)
        pairRanks = BPEWorkspace.moved(pairRanks, count: count, to: newCapacity)
        capacity = newCapacity
    }

    private static func moved<Element>(_ old: UnsafeMutablePointer<Element>, count: Int, to newCapacity: Int) -> UnsafeMutablePointer<Element> {
        let new = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        new.moveInitialize(from: old, count: count)
        old.deallocate()
        return new
    }
}
