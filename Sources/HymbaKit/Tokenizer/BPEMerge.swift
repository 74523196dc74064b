extension BPEWorkspace {
    /// Applies the merge rules to the symbols in the workspace until none applies, exactly in
    /// Hugging Face's order.
    ///
    /// Every adjacent pair with a rule enters the queue as `rank << 32 | left position`. The
    /// lowest rank is merged first, the leftmost on ties; the right symbol is unlinked and the
    /// two new neighbouring pairs are queued. Entries made stale by earlier merges stay in the
    /// queue and are skipped when popped: a popped entry is applied only if its left symbol is
    /// alive, has a right neighbour, and that pair's rule produces the same id the entry was
    /// queued for (Hugging Face's test, kept verbatim so that output matches in every case).
    /// Cost: O(n log n) for n symbols.
    func mergeAll(using table: MergeTable) {
        closeList()
        guard count > 1 else { return }
        let ids = self.ids, previous = self.previous, next = self.next
        queue.removeAll(reservingCapacity: 3 * count)  // n - 1 seeds + at most 2 pushes per merge
        for position in 0..<(count - 1) {
            let rule = table.lookup(ids[position], ids[position + 1])
            if rule != MergeTable.notFound {
                queue.appendUnordered(rule & 0xFFFF_FFFF_0000_0000 | UInt64(position))
            }
        }
        queue.heapify()

        while let entry = queue.popMin() {
            let position = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)
            let rank = Int(truncatingIfNeeded: entry >> 32)
            let leftID = ids[position]
            if leftID < 0 { continue }  // merged away
            let rightPosition = Int(next[position])
            if rightPosition < 0 { continue }  // last symbol
            let rule = table.lookup(leftID, ids[rightPosition])
            if rule == MergeTable.notFound { continue }
            let mergedID = table.mergedID(rank: rank)
            if Int32(truncatingIfNeeded: rule) != mergedID { continue }  // stale

            ids[position] = mergedID
            ids[rightPosition] = -1
            let afterRight = next[rightPosition]
            next[position] = afterRight
            if afterRight >= 0 { previous[Int(afterRight)] = Int32(truncatingIfNeeded: position) }

            let before = previous[position]
            if before >= 0 {
                let leftRule = table.lookup(ids[Int(before)], mergedID)
                if leftRule != MergeTable.notFound {
                    queue.push(leftRule & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(bitPattern: before)))
                }
            }
            if afterRight >= 0 {
                let rightRule = table.lookup(mergedID, ids[Int(afterRight)])
                if rightRule != MergeTable.notFound {
                    queue.push(rightRule & 0xFFFF_FFFF_0000_0000 | UInt64(position))
                }
            }
        }
    }

    /// Appends the ids of the symbols still alive, left to right.
    func appendSymbols(to output: inout [Int]) {
        for position in 0..<count where ids[position] >= 0 {
            output.append(Int(ids[position]))
        }
    }
}
