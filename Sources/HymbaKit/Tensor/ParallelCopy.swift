import Foundation

/// Copies spread over the cores. A recording moves hundreds of MB per pass (every `[T, E]`
/// tensor, every dense map, the meta rows stacked on the real ones) into fresh memory; on one
/// thread the copies and the page faults of the fresh memory are a pass of their own after the
/// forward's parallel work, on all cores they overlap. Small copies stay on the calling thread.
enum ParallelCopy {
    /// A new array of `count` floats, every one of which `fill` writes, called concurrently on
    /// disjoint ranges with the array's base address.
    static func array(count: Int, fill: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress {
                let target = UnsafeSendableMutablePointer(base)
                ParallelRows.forEachChunk(rows: count, floatsPerRow: 1) { range in fill(range, target.pointer) }
            }
            initialized = count
        }
    }
}
