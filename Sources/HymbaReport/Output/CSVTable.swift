import Foundation

/// A CSV table that `pandas.read_csv` and `numpy.genfromtxt(names=True, delimiter=",")` read
/// as-is: one header row, comma-separated, numbers in round-trip form, missing numbers empty
/// (pandas reads NaN), text quoted only when it holds a comma, quote or newline. "\n" line ends.
public struct CSVTable {
    public enum Cell {
        case number(Double)
        case integer(Int)
        case text(String)
    }

    public let header: [String]
    public private(set) var rows: [[Cell]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ row: [Cell]) {
        precondition(row.count == header.count, "CSV row of \(row.count) cells for \(header.count) columns")
        rows.append(row)
    }

    public func serialized() -> Data {
        var out = header.map(Self.escaped).joined(separator: ",") + "\n"
        for row in rows {
            out += row.map { cell -> String in
                switch cell {
                case .number(let v): return v.isFinite ? JSONTree.format(v) : ""
                case .integer(let v): return String(v)
                case .text(let s): return Self.escaped(s)
                }
            }.joined(separator: ",") + "\n"
        }
        return Data(out.utf8)
    }

    static func escaped(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
