/// Chunks (see `WordBoundary`) whose ids are already known, so they skip BPE entirely.
///
/// Two are used: one filled during a single `encode` call (prose repeats its words), and a
/// read-only one built at load with every vocabulary word piece (`▁the`, `▁license`, ...), which
/// also serves short texts. Neither is shared mutable state. The table is flat open addressing
/// over two byte/id arenas, so a lookup costs one hash of a few bytes and no allocation.
struct ChunkCache: Sendable {
    private struct Entry {
        var hash: UInt64
        var keyStart: Int32
        var keyLength: Int32
        var valueStart: Int32
        var valueLength: Int32
    }

    private var slots: [Int32]  // (capacity,) index into entries, or -1
    private var entries: [Entry] = []
    private var keyBytes: [UInt8] = []  // every cached chunk, back to back
    private var values: [Int] = []  // every cached chunk's ids, back to back

    /// Longer chunks are rare and merged afresh; this bounds the memory a cache entry can take.
    static let maximumChunkLength = 64
    /// Stop caching beyond this many entries; past it the arenas would outgrow their use.
    static let maximumEntries = 1 << 20

    init() {
        slots = [Int32](repeating: -1, count: 1024)
    }

    var isEmpty: Bool { entries.isEmpty }

    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// Appends the cached ids for `chunk` and returns true, or returns false on a miss.
    func appendCachedIDs(for chunk: UnsafeBufferPointer<UInt8>, to output: inout [Int]) -> Bool {
        guard chunk.count <= ChunkCache.maximumChunkLength else { return false }
        let hash = ChunkCache.hash(chunk)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            let entry = entries[Int(slots[slot])]
            if entry.hash == hash && Int(entry.keyLength) == chunk.count && keyMatches(entry, chunk) {
                let start = Int(entry.valueStart)
                output.append(contentsOf: values[start..<(start + Int(entry.valueLength))])
                return true
            }
            slot = (slot + 1) & mask
        }
        return false
    }

    private func keyMatches(_ entry: Entry, _ chunk: UnsafeBufferPointer<UInt8>) -> Bool {
        var offset = Int(entry.keyStart)
        for byte in chunk {
            if keyBytes[offset] != byte { return false }
            offset += 1
        }
        return true
    }

    /// Remembers `ids` as the result for `chunk` (after a miss).
    mutating func store(_ ids: ArraySlice<Int>, for chunk: UnsafeBufferPointer<UInt8>) {
        guard chunk.count <= ChunkCache.maximumChunkLength, entries.count < ChunkCache.maximumEntries else { return }
        if 2 * (entries.count + 1) > slots.count { doubleSlots() }
        let entry = Entry(hash: ChunkCache.hash(chunk),
                          keyStart: Int32(keyBytes.count), keyLength: Int32(chunk.count),
                          valueStart: Int32(values.count), valueLength: Int32(ids.count))
        keyBytes.append(contentsOf: chunk)
        values.append(contentsOf: ids)
        insert(entryIndex: entries.count, hash: entry.hash)
        entries.append(entry)
    }

    private mutating func insert(entryIndex: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(entryIndex)
    }

    private mutating func doubleSlots() {
        slots = [Int32](repeating: -1, count: 2 * slots.count)
        for (index, entry) in entries.enumerated() {
            insert(entryIndex: index, hash: entry.hash)
        }
    }
}
