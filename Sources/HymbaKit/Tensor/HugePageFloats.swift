import CKernels

/// Float arrays whose memory asks the kernel for transparent huge pages before it is first
/// written (`hl_advise_huge_pages`).
///
/// Used for the big arrays the forward pass streams through: the weights (the sgemms' packing
/// walks them with far fewer TLB misses on 2 MiB pages) and a prefill's logits (a fresh 262 MB
/// matrix at 2048 tokens takes 131 page faults instead of 64 k). Small arrays are unaffected:
/// advice covers only whole 2 MiB pages inside the allocation.
enum HugePageFloats {
    /// An array of `count` floats, every one of which `fill` must write.
    static func make(count: Int, fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { _ = hl_advise_huge_pages(base, count * MemoryLayout<Float>.size) }
            let exact = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
            fill(exact)
            initialized = count
        }
    }

    /// `a` followed by `b`.
    static func concatenation(_ a: [Float], _ b: [Float]) -> [Float] {
        make(count: a.count + b.count) { out in
            a.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress!, count: a.count) }
            b.withUnsafeBufferPointer { (out.baseAddress! + a.count).update(from: $0.baseAddress!, count: b.count) }
        }
    }
}
