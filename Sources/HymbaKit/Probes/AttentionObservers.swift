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
        maps = .allocate(capacity: heads.count * rows * rows)
        maps.initialize(repeating: 0, count: heads.count * rows * rows)
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
        Tensor(shape: [heads.count, rows, rows],
               floats: Array(UnsafeBufferPointer(start: maps, count: heads.count * rows * rows)))
    }
}

/// Where attention goes, reduced on the fly: for every head, the mean over real-token query
/// rows of the mass on meta tokens / the BOS / the query itself / everything else, and the mass
/// each meta token receives.
///
/// Precedence meta > BOS > self > cross, so every key falls in exactly one class and the four
/// sum to 1. The BOS class is the first real position `M`, and exists only when the first real
/// token is the BOS id; otherwise that column counts as cross (or self for its own row).
/// With `absolute`, a row is first replaced by |row| / Σ|row| (for SSM implicit maps, whose
/// entries can be negative).
final class AttentionMassAccumulator: AttentionRowObserver, @unchecked Sendable {
    let heads: Int
    let metaCount: Int
    let bosPosition: Int?
    let absolute: Bool
    // Raw storage: different heads are accumulated from different threads.
    private let mass: UnsafeMutablePointer<Double>        // (H, 4)
    private let received: UnsafeMutablePointer<Double>    // (H, M)
    private let rowCounts: UnsafeMutablePointer<Int>      // (H)

    init(heads: Int, metaCount: Int, firstTokenIsBOS: Bool, absolute: Bool) {
        self.heads = heads
        self.metaCount = metaCount
        self.bosPosition = firstTokenIsBOS ? metaCount : nil
        self.absolute = absolute
        mass = .allocate(capacity: heads * 4)
        mass.initialize(repeating: 0, count: heads * 4)
        received = .allocate(capacity: max(1, heads * metaCount))
        received.initialize(repeating: 0, count: max(1, heads * metaCount))
        rowCounts = .allocate(capacity: heads)
        rowCounts.initialize(repeating: 0, count: heads)
    }

    deinit {
        mass.deallocate()
        received.deallocate()
        rowCounts.deallocate()
    }

    func wants(head h: Int) -> Bool { true }

    func observe(head h: Int, query t: Int, probabilities: UnsafePointer<Float>,
                 keys: (meta: Range<Int>, window: Range<Int>)) {
        guard t >= metaCount else { return }       // real-token rows only
        let m = keys.meta.count
        let count = m + keys.window.count
        var scale: Double = 1
        if absolute {
            var total: Double = 0
            for j in 0..<count { total += Double(abs(probabilities[j])) }
            scale = total > 0 ? 1 / total : 0
        }
        func value(_ j: Int) -> Double {
            let p = Double(probabilities[j])
            return (absolute ? abs(p) : p) * scale
        }
        var classes = (meta: 0.0, bos: 0.0, selfMass: 0.0, cross: 0.0)
        for j in 0..<m {
            let v = value(j)
            classes.meta += v
            received[h * metaCount + keys.meta.lowerBound + j] += v
        }
        for j in 0..<keys.window.count {
            let u = keys.window.lowerBound + j
            let v = value(m + j)
            if u < metaCount { classes.meta += v; received[h * metaCount + u] += v }
            else if u == bosPosition { classes.bos += v }
            else if u == t { classes.selfMass += v }
            else { classes.cross += v }
        }
        mass[h * 4 + 0] += classes.meta
        mass[h * 4 + 1] += classes.bos
        mass[h * 4 + 2] += classes.selfMass
        mass[h * 4 + 3] += classes.cross
        rowCounts[h] += 1
    }

    /// `[H, 4]` means over rows: meta, BOS, self, cross.
    var massTensor: Tensor {
        var out = [Float](repeating: 0, count: heads * 4)
        for h in 0..<heads where rowCounts[h] > 0 {
            for k in 0..<4 { out[h * 4 + k] = Float(mass[h * 4 + k] / Double(rowCounts[h])) }
        }
        return Tensor(shape: [heads, 4], floats: out)
    }

    /// `[H, M]` mean mass each meta token receives.
    var metaReceivedTensor: Tensor {
        var out = [Float](repeating: 0, count: heads * metaCount)
        for h in 0..<heads where rowCounts[h] > 0 {
            for k in 0..<metaCount { out[h * metaCount + k] = Float(received[h * metaCount + k] / Double(rowCounts[h])) }
        }
        return Tensor(shape: [heads, metaCount], floats: out)
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
