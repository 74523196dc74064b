/// A Python dict: keys in insertion order (so `tojson` and `items()` give the chat file's order),
/// looked up by Python equality — `1`, `1.0` and `True` are one key, and strings match by code
/// point, not by Swift's canonical equivalence.
struct TemplateDict {
    private(set) var keys: [TemplateValue] = []
    private(set) var values: [TemplateValue] = []
    private var positions: [DictKey: Int] = [:]
    private(set) var depth = 1
    /// Keys' and values' weights and one per entry (an overestimate after a key is replaced).
    private(set) var weight = 0

    var count: Int { keys.count }

    /// Sets `key` to `value`; an existing key keeps its place (Python's rule, also for
    /// duplicate keys in a JSON object: the last value, at the first position).
    mutating func set(_ key: TemplateValue, _ value: TemplateValue) throws {
        let hashKey = try DictKey(key)
        if let position = positions[hashKey] {
            values[position] = value
        } else {
            positions[hashKey] = keys.count
            keys.append(key)
            values.append(value)
        }
        depth = max(depth, 1 + max(key.depth, value.depth))
        weight = TemplateValue.addWeights(weight, TemplateValue.addWeights(1, TemplateValue.addWeights(key.weight, value.weight)))
    }

    func value(for key: TemplateValue) throws -> TemplateValue? {
        guard let hashKey = try? DictKey(key) else {
            throw TemplateFailure.runtime("unhashable type: '\(key.typeName)'")
        }
        return positions[hashKey].map { values[$0] }
    }

    /// A string key, the common case.
    func value(forName name: String) -> TemplateValue? {
        positions[.string(Array(name.utf8))].map { values[$0] }
    }

    var items: [(key: TemplateValue, value: TemplateValue)] {
        Array(zip(keys, values)).map { (key: $0.0, value: $0.1) }
    }
}

/// The hashable identity of a dict key under Python's equality.
enum DictKey: Hashable {
    case undefined
    case none
    /// bools, ints and floats with an integral value (`hash(1) == hash(1.0) == hash(True)`).
    case integer(Int)
    case float(UInt64)
    /// UTF-8 bytes: equal exactly when the code points are.
    case string([UInt8])
    case tuple([DictKey])

    init(_ value: TemplateValue) throws {
        switch value {
        case .undefined: self = .undefined
        case .none: self = .none
        case let .bool(flag): self = .integer(flag ? 1 : 0)
        case let .int(number): self = .integer(number)
        case let .float(number):
            if number.rounded() == number, let exact = Int(exactly: number) {
                self = .integer(exact)
            } else {
                self = .float((number == 0 ? 0 : number).bitPattern)
            }
        case let .string(text): self = .string(Array(text.utf8))
        case let .tuple(sequence): self = .tuple(try sequence.items.map(DictKey.init))
        default: throw TemplateFailure.runtime("unhashable type: '\(value.typeName)'")
        }
    }
}
