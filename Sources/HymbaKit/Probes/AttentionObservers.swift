/// Builds dense `[k, T, T]` maps for the selected heads, row by row as the kernel reports them.
/// Memory is exactly what was asked for: k·T² floats. On a run over the real rows only, the
/// meta rows' rows come from the meta recording's `[k, M, M]` maps (meta rows see only meta keys).
final class DenseMapCollector: AttentionRowObserver, @unchecked Sendable {
    let heads: [Int]
    let rows: Int
    private let slotOfHead: [Int: Int]
    // Raw storage: rows of different heads are written from different threads.
    private let maps: UnsafeMutablePointer<Float>

    init(heads: [Int], rows: Int, metaRows: Tensor? = nil) {
        self.heads = heads
        self.rows = rows
        slotOfHead = Dictionary(uniqueKeysWithValues: heads.enumerated().map { ($1, $0) })
        let count = heads.count * rows * rows
        maps = .allocate(capacity: count)
        let target = UnsafeSendableMutablePointer(maps)
        ParallelRows.forEachChunk(rows: count, floatsPerRow: 1) { range in
            (target.pointer + range.lowerBound).initialize(repeating: 0, count: range.count)
        }
        if let metaRows {
            let m = metaRows.shape[1]
            precondition(metaRows.shape == [heads.count, m, m] && m <= rows, "meta rows \(metaRows.shape) for \(heads.count) maps of \(rows) rows")
            let values = metaRows.floats
            for slot in 0..<heads.count {
                for t in 0..<m {
                    values.withUnsafeBufferPointer { v in
                        (maps + (slot * rows + t) * rows).update(from: v.baseAddress! + (slot * m + t) * m, count: m)
                    }
                }
            }
        }
    }

    deinit { maps.deallocate() }

    func wants(head h: Int) -> Bool { slotOfHead[h] != nil }

    func observe(head h: Int, query t: Int, probabilities: UnsafePointer<Float>,
                 keys: (meta: Range<Int>, window: Range<Int>)) {
        guard let slot = slotOfHead[h] else { return }
        let row = maps + (slot * rows + t) * rows
        let m = keys.meta.count
        (row + keys.meta.lowerBound).update(from: probabilities, count: m)
        (row + keys.window.lowerBound).update(from: probabilities + m, count: keys.window.count)
    }

    var tensor: Tensor {
        let source = UnsafeSendablePointer(maps)
        return Tensor(shape: [heads.count, rows, rows],
                      floats: ParallelCopy.array(count: heads.count * rows * rows) { range, base in
                          (base + range.lowerBound).update(from: source.pointer + range.lowerBound, count: range.count)
                      })
    }
}

/// Fans one kernel's rows out to several observers.
final class AttentionObserverGroup: AttentionRowObserver, @unchecked Sendable {
    let members: [AttentionRowObserver]
    init(_ members: [AttentionRowObserver]) { self.members = members }

    /// nil for no observer, the observer itself for one, a group for several.
    static func combining(_ candidates: [AttentionRowObserver?]) -> AttentionRowObserver? {
        let present = candidates.compactMap { $0 }
        switch present.count {
        case 0: return nil
        case 1: return present[0]
        default: return AttentionObserverGroup(present)
        }
    }

    func wants(head h: Int) -> Bool { members.contains { $0.wants(head: h) } }

    func observe(head h: Int, query t: Int, probabilities: UnsafePointer<Float>,
                 keys: (meta: Range<Int>, window: Range<Int>)) {
        for member in members where member.wants(head: h) {
            member.observe(head: h, query: t, probabilities: probabilities, keys: keys)
        }
    }
}
