extension BPEWorkspace {
    /// Applies the merge rules to the symbols in the workspace until none applies, in exactly
    /// Hugging Face's order.
    ///
    /// Every adjacent pair with a rule enters the queue as `rank << 32 | left position`. The
    /// lowest rank is merged first, the leftmost on ties; the right symbol is unlinked and the
    /// two new neighbouring pairs are queued. Entries made stale by earlier merges stay in the
    /// queue and are skipped when popped (lazy deletion). Cost: O(n log n) for n symbols.
    ///
    /// Hugging Face skips a popped entry unless its left symbol is alive, has a right
    /// neighbour, and that pair's rule makes the id the entry was queued for. When every
    /// symbol's piece is non-empty and a merged piece is the concatenation of its parts (no
    /// affixes), a pair that changed spells a strictly longer string, so its rule cannot make the
    /// same id: the test is then equivalent to "the pair still has the entry's rank", which
    /// `pairRanks` answers without a hash lookup. `verbatimStaleCheck` runs Hugging Face's test
    /// as written for the other cases.
    func mergeAll(using table: MergeTable, verbatimStaleCheck: Bool) {
        closeList()
        guard count > 1 else { return }
        let ids = self.ids, previous = self.previous, next = self.next, pairRanks = self.pairRanks
        queue.removeAll(reservingCapacity: 3 * count)  // n - 1 seeds + at most 2 pushes per merge
        for position in 0..<(count - 1) {
            let rule = table.lookup(ids[position], ids[position + 1])
            pairRanks[position] = BPEWorkspace.rank(of: rule)
            if rule != MergeTable.notFound {
                queue.appendUnordered(rule & 0xFFFF_FFFF_0000_0000 | UInt64(position))
            }
        }
        pairRanks[count - 1] = BPEWorkspace.noRule
        queue.heapify()

        while let entry = queue.popMin() {
            let position = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)
            let rank = UInt32(truncatingIfNeeded: entry >> 32)
            if ids[position] < 0 { continue }  // merged away
            let mergedID = table.mergedID(rank: Int(rank))
            if verbatimStaleCheck {
                let rightPosition = next[position]
                if rightPosition < 0 { continue }
                let rule = table.lookup(ids[position], ids[Int(rightPosition)])
                if rule == MergeTable.notFound || Int32(truncatingIfNeeded: rule) != mergedID { continue }
            } else if pairRanks[position] != rank {
                continue  // the pair changed since this entry was queued (or has no right symbol)
            }

            let rightPosition = Int(next[position])
            ids[position] = mergedID
            ids[rightPosition] = -1
            let afterRight = next[rightPosition]
            next[position] = afterRight
            if afterRight >= 0 { previous[Int(afterRight)] = Int32(truncatingIfNeeded: position) }

            let before = previous[position]
            if before >= 0 {
                let leftRule = table.lookup(ids[Int(before)], mergedID)
                pairRanks[Int(before)] = BPEWorkspace.rank(of: leftRule)
                if leftRule != MergeTable.notFound {
                    queue.push(leftRule & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(bitPattern: before)))
                }
            }
            if afterRight >= 0 {
                let rightRule = table.lookup(mergedID, ids[Int(afterRight)])
                pairRanks[position] = BPEWorkspace.rank(of: rightRule)
                if rightRule != MergeTable.notFound {
                    queue.push(rightRule & 0xFFFF_FFFF_0000_0000 | UInt64(position))
                }
            } else {
                pairRanks[position] = BPEWorkspace.noRule
            }
        }
    }

    @inline(__always)
    private static func rank(of rule: UInt64) -> UInt32 {
        rule == MergeTable.notFound ? noRule : UInt32(truncatingIfNeeded: rule >> 32)
    }

    /// Appends the ids of the symbols still alive, left to right.
    func appendSymbols(to output: inout [Int]) {
        for position in 0..<count where ids[position] >= 0 {
            output.append(Int(ids[position]))
        }
    }
}
