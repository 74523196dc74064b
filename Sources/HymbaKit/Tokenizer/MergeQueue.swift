/// A binary min-heap of candidate merges, each packed as `rank << 32 | position`, so the
/// smallest key is the lowest-ranked merge and ties go to the leftmost position — the order
/// Hugging Face's BPE pops them in.
///
/// Entries are never removed when a merge makes them stale; the merge loop skips them when they
/// surface ("lazy deletion"). That keeps every operation O(log n) and a whole merge pass
/// O(n log n), even for one enormous word.
struct MergeQueue {
    private var storage: UnsafeMutablePointer<UInt64>  // (capacity,) heap-ordered keys
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 64
        storage = .allocate(capacity: capacity)
    }

    /// Frees the storage; the owner calls this exactly once.
    func deallocate() {
        storage.deallocate()
    }

    /// Empties the queue and makes room for `minimumCapacity` entries, so that pushes inside
    /// the merge loop never reallocate.
    mutating func removeAll(reservingCapacity minimumCapacity: Int) {
        count = 0
        guard minimumCapacity > capacity else { return }
        storage.deallocate()
        capacity = max(minimumCapacity, 2 * capacity)
        storage = .allocate(capacity: capacity)
    }

    /// Appends without ordering; call `heapify()` before the first `popMin()`.
    @inline(__always)
    mutating func appendUnordered(_ key: UInt64) {
        storage[count] = key
        count += 1
    }

    /// Restores heap order over everything appended, in O(n).
    mutating func heapify() {
        var index = count / 2 - 1
        while index >= 0 {
            siftDown(storage[index], from: index)
            index -= 1
        }
    }

    @inline(__always)
    mutating func push(_ key: UInt64) {
        var hole = count
        count += 1
        while hole > 0 {
            let parent = (hole - 1) >> 1
            let parentKey = storage[parent]
            if parentKey <= key { break }
            storage[hole] = parentKey
            hole = parent
        }
        storage[hole] = key
    }

    @inline(__always)
    mutating func popMin() -> UInt64? {
        guard count > 0 else { return nil }
        let top = storage[0]
        count -= 1
        if count > 0 { siftDown(storage[count], from: 0) }
        return top
    }

    /// Moves `key` down from `hole` until both children are larger.
    @inline(__always)
    private func siftDown(_ key: UInt64, from start: Int) {
        var hole = start
        while true {
            var child = 2 * hole + 1
            if child >= count { break }
            var childKey = storage[child]
            if child + 1 < count {
                let rightKey = storage[child + 1]
                if rightKey < childKey {
                    child += 1
                    childKey = rightKey
                }
            }
            if key <= childKey { break }
            storage[hole] = childKey
            hole = child
        }
        storage[hole] = key
    }
}
