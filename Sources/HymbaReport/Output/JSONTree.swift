import HymbaKit
import Foundation

/// A JSON document built in code, with object keys kept in the order they were written, so the
/// analysis files read top-down (layer before values) and diff cleanly between runs.
/// Non-finite numbers become `null` (JSON has no NaN); numbers print in the shortest form that
/// reads back to the same Double.
public indirect enum JSONTree {
    case object([(String, JSONTree)])
    case array([JSONTree])
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null

    public static func number(_ value: Double?) -> JSONTree {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }

    public static func numbers(_ values: [Double]) -> JSONTree { .array(values.map { .number($0) }) }

    /// Pretty-printed with two-space indents; arrays of scalars stay on one line.
    public func serialized() -> Data {
        var out = ""
        write(into: &out, indent: 0)
        out += "\n"
        return Data(out.utf8)
    }

    private var isScalar: Bool {
        switch self {
        case .object, .array: return false
        default: return true
        }
    }

    private func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1), closing = String(repeating: "  ", count: indent)
        switch self {
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in members.enumerated() {
                out += pad + Self.quoted(key) + ": "
                value.write(into: &out, indent: indent + 1)
                out += i + 1 < members.count ? ",\n" : "\n"
            }
            out += closing + "}"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            if items.allSatisfy(\.isScalar) {
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += ", " }
                    item.write(into: &out, indent: indent + 1)
                }
                out += "]"
                return
            }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                item.write(into: &out, indent: indent + 1)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += closing + "]"
        case .number(let value):
            out += value.isFinite ? Self.format(value) : "null"
        case .integer(let value):
            out += String(value)
        case .string(let text):
            out += Self.quoted(text)
        case .bool(let flag):
            out += flag ? "true" : "false"
        case .null:
            out += "null"
        }
    }

    /// At most `significantDigits` significant digits (the analyses start from fp32 values, so
    /// more would be noise), in the shortest form that reads back to that; integral values
    /// without ".0".
    public static func format(_ value: Double) -> String {
        let rounded = Double(String(format: "%.\(significantDigits)g", value)) ?? value
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return "\(rounded)"
    }

    static let significantDigits = 8

    static func quoted(_ text: String) -> String { JSONText.string(text) }
}
