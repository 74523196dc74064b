/// Chunks (see `WordBoundary`) whose ids are already known, so they skip BPE entirely.
///
/// Two are used: one filled during a single `encode` call (prose repeats its words), and a
/// read-only one built at load with every vocabulary word piece (`▁the`, `▁license`, ...), which
/// also serves short texts. Neither is shared mutable state. The table is flat open addressing
/// over two byte/id arenas; each slot keeps part of the hash beside the entry index, so a probe
/// that does not match never touches the entries, and a lookup allocates nothing.
struct ChunkCache: Sendable {
    private struct Entry: Sendable {
        var keyStart: Int32
        var keyLength: Int32
        var valueStart: Int32
        var valueLength: Int32
    }

    /// (capacity,) `hash high 32 bits << 32 | entry index`, or `emptySlot`.
    private var slots: [UInt64]
    private var entries: [Entry] = []
    private var keyBytes: [UInt8] = []  // every cached chunk, back to back
    private var values: [Int] = []  // every cached chunk's ids, back to back

    private static let emptySlot = UInt64.max
    /// Longer chunks are rare and merged afresh; this bounds the memory a cache entry can take.
    static let maximumChunkLength = 64
    /// Stop caching beyond this many entries; past it the arenas would outgrow their use.
    static let maximumEntries = 1 << 20

    init() {
        slots = [UInt64](repeating: ChunkCache.emptySlot, count: 1024)
    }

    /// FNV-1a over the chunk's bytes; computed once per chunk and passed to both caches.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt64 {
        hash & 0xFFFF_FFFF_0000_0000
    }

    /// Appends the cached ids for `chunk` and returns true, or returns false on a miss.
    func appendCachedIDs(for chunk: UnsafeBufferPointer<UInt8>, hash: UInt64, to output: inout [Int]) -> Bool {
        guard chunk.count <= ChunkCache.maximumChunkLength else { return false }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let content = slots[slot]
            if content == ChunkCache.emptySlot { return false }
            if content & 0xFFFF_FFFF_0000_0000 == ChunkCache.tag(hash) {
                let entry = entries[Int(truncatingIfNeeded: content & 0xFFFF_FFFF)]
                if Int(entry.keyLength) == chunk.count && keyMatches(entry, chunk) {
                    let start = Int(entry.valueStart)
                    if entry.valueLength == 1 {
                        output.append(values[start])
                    } else {
                        output.append(contentsOf: values[start..<(start + Int(entry.valueLength))])
                    }
                    return true
                }
            }
            slot = (slot + 1) & mask
        }
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
    mutating func store(_ ids: ArraySlice<Int>, for chunk: UnsafeBufferPointer<UInt8>, hash: UInt64) {
        guard chunk.count <= ChunkCache.maximumChunkLength, entries.count < ChunkCache.maximumEntries else { return }
        if 2 * (entries.count + 1) > slots.count {
            slots = [UInt64](repeating: ChunkCache.emptySlot, count: 2 * slots.count)
            for (index, entry) in entries.enumerated() {
                let start = Int(entry.keyStart)
                let entryHash = keyBytes.withUnsafeBufferPointer {
                    ChunkCache.hash(UnsafeBufferPointer(rebasing: $0[start..<(start + Int(entry.keyLength))]))
                }
                insert(entryIndex: index, hash: entryHash)
            }
        }
        insert(entryIndex: entries.count, hash: hash)
        entries.append(Entry(keyStart: Int32(keyBytes.count), keyLength: Int32(chunk.count),
                             valueStart: Int32(values.count), valueLength: Int32(ids.count)))
        keyBytes.append(contentsOf: chunk)
        values.append(contentsOf: ids)
    }

    private mutating func insert(entryIndex: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != ChunkCache.emptySlot { slot = (slot + 1) & mask }
        slots[slot] = ChunkCache.tag(hash) | UInt64(entryIndex)
    }
}
