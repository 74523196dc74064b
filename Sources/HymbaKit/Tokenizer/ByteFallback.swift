/// The ids of the byte pieces `<0x00>` … `<0xFF>`, used when a scalar has no piece of its own:
/// it is then spelled as its UTF-8 bytes (`🦙` → `<0xF0><0x9F><0xA6><0x99>`).
struct ByteFallbackTable: Sendable {
    /// (256,) id of the piece for each byte value, or -1 when the vocabulary lacks it.
    private let ids: [Int32]

    init(vocabulary: Vocabulary) {
        ids = (0..<256).map { byte in
            vocabulary.id(of: ByteFallbackTable.pieceName(UInt8(byte))) ?? -1
        }
    }

    /// `<0x0A>`: upper-case hex, two digits, as SentencePiece names byte pieces.
    static func pieceName(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        let name = [UInt8(ascii: "<"), UInt8(ascii: "0"), UInt8(ascii: "x"),
                    digits[Int(byte >> 4)], digits[Int(byte & 0x0F)], UInt8(ascii: ">")]
        return String(decoding: name, as: UTF8.self)
    }

    /// The piece id for `byte`, or -1.
    @inline(__always)
    func id(of byte: UInt8) -> Int32 {
        ids[Int(byte)]
    }

    /// True when all 256 byte pieces exist, so no scalar can ever fall through to `<unk>`.
    var coversEveryByte: Bool {
        ids.allSatisfy { $0 >= 0 }
    }

    /// True when every byte of `bytes` has a piece (Hugging Face falls back only then).
    func coversAll(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { ids[Int($0)] >= 0 }
    }
}
