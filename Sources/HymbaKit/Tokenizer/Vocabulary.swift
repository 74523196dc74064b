/// The BPE model's pieces, looked up both ways and compared byte for byte.
///
/// Keys are UTF-8 bytes, not `String`s: `String` equality is canonical equivalence, and the
/// Hymba vocabulary contains canonically equivalent but distinct pieces ("ά" U+03AC, "ά" U+1F71).
struct Vocabulary: Sendable {
    /// id → piece; `nil` where the file assigns no piece to an id.
    let pieces: [String?]
    private let idsByPiece: [[UInt8]: Int32]

    /// Ids are below this bound: 16.7 M, far above any real vocabulary (Hymba's has 32,001).
    static let idLimit = 1 << 24
    /// How many ids below the largest may have no piece. The id → piece table is as long as the
    /// largest id, so a file with one huge id must not make us allocate gigabytes for nothing.
    static let unusedIDLimit = 1 << 16

    /// Reads `model.vocab`, an object mapping piece → id.
    init(node: JSONNode) throws {
        let members = try node.objectMembers()
        var idsByPiece: [[UInt8]: Int32] = [:]
        idsByPiece.reserveCapacity(members.count)
        var largestID = -1
        for member in members {
            guard case let .integer(id) = member.value, id >= 0, id < Self.idLimit else {
                throw node.invalid("the id of \(String(reflecting: member.key)) must be an integer in 0..<\(Self.idLimit)")
            }
            let bytes = Array(member.key.utf8)
            guard idsByPiece.updateValue(Int32(id), forKey: bytes) == nil else {
                throw node.invalid("piece \(String(reflecting: member.key)) appears twice")
            }
            largestID = max(largestID, id)
        }
        let unused = largestID + 1 - idsByPiece.count
        guard unused <= Self.unusedIDLimit else {
            throw node.invalid("ids run up to \(largestID) but there are only \(idsByPiece.count) pieces: \(unused) ids would have no piece (at most \(Self.unusedIDLimit) may)")
        }
        var pieces = [String?](repeating: nil, count: largestID + 1)
        for member in members {
            guard case let .integer(id) = member.value else { continue }
            if let earlier = pieces[id] {
                throw node.invalid("id \(id) is given to both \(String(reflecting: earlier)) and \(String(reflecting: member.key))")
            }
            pieces[id] = member.key
        }
        self.pieces = pieces
        self.idsByPiece = idsByPiece
    }

    /// One past the largest id.
    var count: Int { pieces.count }

    /// How many pieces there are (less than `count` if some ids are unused).
    var pieceCount: Int { idsByPiece.count }

    func id(of piece: [UInt8]) -> Int32? {
        idsByPiece[piece]
    }

    func id(of piece: String) -> Int32? {
        idsByPiece[Array(piece.utf8)]
    }
}
