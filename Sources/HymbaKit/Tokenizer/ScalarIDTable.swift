/// Maps a Unicode scalar to the id of the one-scalar piece spelling it, or -1.
///
/// BPE starts from one symbol per scalar, so this lookup runs once per input scalar; a flat
/// array covers the Basic Multilingual Plane and a dictionary the rest.
final class ScalarIDTable: @unchecked Sendable {
    // Immutable after init, hence safe to share across threads.
    private let basicPlane: UnsafeMutablePointer<Int32>  // (0x10000,) id or -1
    private let supplementary: [UInt32: Int32]

    static let basicPlaneSize = 0x10000

    init(vocabulary: Vocabulary) {
        basicPlane = .allocate(capacity: ScalarIDTable.basicPlaneSize)
        basicPlane.initialize(repeating: -1, count: ScalarIDTable.basicPlaneSize)
        var supplementary: [UInt32: Int32] = [:]
        for (id, piece) in vocabulary.pieces.enumerated() {
            guard let piece, piece.unicodeScalars.count == 1, let scalar = piece.unicodeScalars.first else { continue }
            if scalar.value < ScalarIDTable.basicPlaneSize {
                basicPlane[Int(scalar.value)] = Int32(id)
            } else {
                supplementary[scalar.value] = Int32(id)
            }
        }
        self.supplementary = supplementary
    }

    deinit {
        basicPlane.deallocate()
    }

    @inline(__always)
    func id(of scalar: UInt32) -> Int32 {
        if scalar < ScalarIDTable.basicPlaneSize { return basicPlane[Int(scalar)] }
        return supplementary[scalar] ?? -1
    }
}
