/// The evaluated arguments of a call, filter or test.
struct TemplateArguments {
    var positional: [TemplateValue] = []
    var keyword: [(name: String, value: TemplateValue)] = []

    /// The argument at `position` or named `name`, or nil; errors on both or on unknown names
    /// are the caller's `check`.
    func value(_ position: Int, _ name: String) -> TemplateValue? {
        if position < positional.count { return positional[position] }
        return keyword.last(where: { $0.name == name })?.value
    }

    /// Refuses more positional arguments than `names` or keywords not among them.
    func check(_ function: String, accepts names: [String]) throws {
        guard positional.count <= names.count else {
            throw TemplateFailure.runtime("\(function)() takes at most \(names.count) argument(s) (\(positional.count) given)")
        }
        for (name, _) in keyword {
            guard let position = names.firstIndex(of: name) else {
                throw TemplateFailure.runtime("\(function)() got an unexpected keyword argument '\(name)'")
            }
            if position < positional.count {
                throw TemplateFailure.runtime("\(function)() got multiple values for argument '\(name)'")
            }
        }
    }
}
