import Foundation

/// The machine's sustainable memory bandwidth, measured as STREAM's triad (McCalpin 1995):
///
/// ```
/// a[i] = b[i] + s · c[i],   i < n,   bytes moved = 3 · n · 4   (two reads, one write; fp32)
/// ```
/// over arrays far larger than the caches, split over all cores, best of `repeats` runs. A decode
/// step reads every weight once, so `bandwidth / weight bytes` bounds decode tokens/s.
enum StreamTriad {
    /// Floats per array: 3 × 128 MiB, far beyond any last-level cache.
    static let defaultCount = 32 << 20

    /// Best bandwidth in bytes per second.
    static func bytesPerSecond(count n: Int = defaultCount, repeats: Int = 5) -> Double {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n), b = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        let shared = (a: Shared(a), b: Shared(b), c: Shared(c))
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (n + workers - 1) / workers
        // First touch on the workers that later use each part (and no page faults in the timing).
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let range = (w * chunk)..<min(n, (w + 1) * chunk)
            for i in range { shared.a.pointer[i] = 0; shared.b.pointer[i] = 1; shared.c.pointer[i] = 2 }
        }
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = Date()
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let range = (w * chunk)..<min(n, (w + 1) * chunk)
                triad(shared.a.pointer + range.lowerBound, shared.b.pointer + range.lowerBound,
                      shared.c.pointer + range.lowerBound, 3, range.count)
            }
            best = min(best, Date().timeIntervalSince(start))
        }
        precondition(a[n - 1] == 7, "triad: wrong result")   // 1 + 3·2, and keeps the loop from being optimised away
        return Double(3 * n * MemoryLayout<Float>.size) / best
    }

    private static func triad(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                              _ s: Float, _ n: Int) {
        for i in 0..<n { a[i] = b[i] + s * c[i] }
    }

    private struct Shared: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Float>
        init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
    }
}
