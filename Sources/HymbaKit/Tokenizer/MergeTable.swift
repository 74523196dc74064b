/// The BPE merge rules: (left id, right id) → (rank, merged id).
///
/// An open-addressing hash table keyed by the pair packed into one `UInt64`, probed linearly
/// with a multiplicative hash. BPE asks it two or three questions per merge, so it has to be
/// cheaper than a `Dictionary` with SipHash.
final class MergeTable: @unchecked Sendable {
    // Immutable after init, hence safe to share across threads.
    /// (capacity,) key and value side by side, so a hit touches one cache line, not two.
    private let slots: UnsafeMutablePointer<Slot>
    private let capacity: Int
    private let shift: UInt64
    /// rank → merged id, so a queue entry need only carry its rank.
    private let mergedIDs: [Int32]

    private struct Slot {
        var key: UInt64  // left << 32 | right, or emptyKey
        var value: UInt64  // rank << 32 | merged id
    }

    /// What `lookup` returns for a pair with no rule.
    static let notFound: UInt64 = .max
    private static let emptyKey: UInt64 = .max

    /// - Parameter rules: the merges in rank order. A pair listed twice keeps its last rank,
    ///   as Hugging Face's map does.
    init(rules: [(left: Int32, right: Int32, merged: Int32)]) {
        var capacity = 16
        var bits: UInt64 = 4
        while capacity < 2 * rules.count {
            capacity *= 2
            bits += 1
        }
        self.capacity = capacity
        self.shift = 64 - bits
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(key: MergeTable.emptyKey, value: 0), count: capacity)
        mergedIDs = rules.map(\.merged)
        for (rank, rule) in rules.enumerated() {
            let key = MergeTable.pack(rule.left, rule.right)
            var slot = slotIndex(key)
            while slots[slot].key != MergeTable.emptyKey && slots[slot].key != key {
                slot = (slot + 1) & (capacity - 1)
            }
            slots[slot] = Slot(key: key, value: UInt64(rank) << 32 | UInt64(UInt32(bitPattern: rule.merged)))
        }
    }

    deinit {
        slots.deallocate()
    }

    @inline(__always)
    private static func pack(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func slotIndex(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// `rank << 32 | merged id` for the pair, or `MergeTable.notFound`.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> UInt64 {
        let key = MergeTable.pack(left, right)
        var slot = slotIndex(key)
        while true {
            let candidate = slots[slot].key
            if candidate == key { return slots[slot].value }
            if candidate == MergeTable.emptyKey { return MergeTable.notFound }
            slot = (slot + 1) & (capacity - 1)
        }
    }

    /// The id a rule of this rank produces.
    @inline(__always)
    func mergedID(rank: Int) -> Int32 {
        mergedIDs[rank]
    }
}
