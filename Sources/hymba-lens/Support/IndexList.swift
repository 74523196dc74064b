import Foundation

/// A list of indices given on the command line: `all`, `last`, numbers and inclusive ranges,
/// comma-separated — `--layers 0,2-4,last`, `--positions 3-9`. The same syntax as the layer
/// lists of a recording plan.
enum IndexList {
    /// The indices `text` names among `0..<count`, sorted and without repeats.
    ///
    /// - Parameters:
    ///   - option: the option's name, for errors ("--layers").
    ///   - noun: what an index counts ("layer", "prompt token"), for errors.
    /// - Throws: `CLIError` naming the option and the entry.
    static func parse(_ text: String, option: String, noun: String, count: Int) throws -> [Int] {
        guard count > 0 else { throw CLIError("\(option): there is no \(noun) to choose") }
        let entries = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if entries.allSatisfy(\.isEmpty) { throw CLIError("\(option) is empty: give \(noun)s such as 0,2-4 or all") }
        var chosen = Set<Int>()
        func index(_ word: Substring, in entry: String) throws -> Int {
            let trimmed = word.trimmingCharacters(in: .whitespaces)
            if trimmed == "last" { return count - 1 }
            guard let value = Int(trimmed) else {
                throw CLIError("\(option): '\(entry)' is not a \(noun), a range a-b, last or all")
            }
            guard (0..<count).contains(value) else {
                throw CLIError("\(option): \(noun) \(value) is out of range (0...\(count - 1))")
            }
            return value
        }
        for entry in entries {
            if entry == "all" { chosen.formUnion(0..<count); continue }
            let bounds = entry.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            if bounds.count == 2 {
                let low = try index(bounds[0], in: entry), high = try index(bounds[1], in: entry)
                guard low <= high else { throw CLIError("\(option): range \(entry) runs backwards") }
                chosen.formUnion(low...high)
            } else {
                chosen.insert(try index(bounds[0], in: entry))
            }
        }
        return chosen.sorted()
    }
}
