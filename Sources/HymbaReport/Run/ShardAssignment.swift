/// Deals a run's passages to N shards so each gets about the same work: longest first, each to
/// the shard with the least work so far (ties to the lower shard), then every shard's list in
/// passage order. It depends only on the passages and the work estimate — never on the machine
/// or the clock — so every shard computes the same assignment on its own.
///
/// The work estimate (`PassageWork`) weighs an ablated passage by its partial passes, so with
/// head ablations on a few passages those land on different shards instead of one.
enum ShardAssignment {
    /// - Returns: for each shard 0 ..< count, the global indices of its passages, ascending.
    static func assign(work: [Double], count: Int) -> [[Int]] {
        let order = work.indices.sorted { work[$0] != work[$1] ? work[$0] > work[$1] : $0 < $1 }
        var load = [Double](repeating: 0, count: count)
        var shards = [[Int]](repeating: [], count: count)
        for passage in order {
            var target = 0
            for s in 1..<max(1, count) where load[s] < load[target] { target = s }
            shards[target].append(passage)
            load[target] += work[passage]
        }
        return shards.map { $0.sorted() }
    }
}
