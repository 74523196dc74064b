/// Where a head's mass goes, as the four classes of `attn_mass` / `ssm_mass` (they sum to 1):
/// the meta tokens, the BOS token, the query's own position, and every other real token.
public struct MassShares: Equatable, Sendable {
    public var meta: Double
    public var bos: Double
    public var selfMass: Double
    public var cross: Double

    public init(meta: Double, bos: Double, selfMass: Double, cross: Double) {
        self.meta = meta
        self.bos = bos
        self.selfMass = selfMass
        self.cross = cross
    }

    /// From one `[4]` row of a mass tensor (meta, BOS, self, cross).
    public init<V: BinaryFloatingPoint>(row: ArraySlice<V>) {
        precondition(row.count == 4, "a mass row has 4 classes")
        let i = row.startIndex
        self.init(meta: Double(row[i]), bos: Double(row[i + 1]), selfMass: Double(row[i + 2]), cross: Double(row[i + 3]))
    }

    public var values: [Double] { [meta, bos, selfMass, cross] }

    /// Class names in order, as used in JSON keys and CSV headers.
    public static let classNames = ["meta", "bos", "self", "cross"]

    /// The element-wise mean of several shares (e.g. over heads).
    public static func mean(_ shares: [MassShares]) -> MassShares {
        let columns = (0..<4).map { k in finiteMean(shares.map { $0.values[k] }) }
        return MassShares(meta: columns[0], bos: columns[1], selfMass: columns[2], cross: columns[3])
    }
}
