/// The state of a one-pass iterator: what is left of it.
final class TemplateIterator {
    private let items: [TemplateValue]
    private var position = 0
    /// Python's type: "generator", "list_reverseiterator", ...
    let typeName: String
    let weight: Int

    init(_ items: [TemplateValue], typeName: String = "generator") {
        self.items = items
        self.typeName = typeName
        self.weight = TemplateSequence(items).weight
    }

    func next() -> TemplateValue? {
        guard position < items.count else { return nil }
        position += 1
        return items[position - 1]
    }

    func takeAll() -> [TemplateValue] {
        let rest = Array(items[position...])
        position = items.count
        return rest
    }
}

/// A Jinja namespace: the one mutable object, shared by reference, so `{% set ns.x = … %}`
/// inside a loop is seen after it.
final class TemplateNamespace {
    var attributes = TemplateDict()
}

/// The `loop` variable inside a for loop.
struct LoopState {
    let index0: Int
    let length: Int
    let previous: TemplateValue?
    let next: TemplateValue?
    let depth0: Int
}

/// Something a template can call.
enum TemplateFunction {
    /// A global function: range, namespace, dict, raise_exception, strftime_now.
    case global(String)
    /// A method looked up on a value: `text.strip`, `message.items`, `loop.cycle`.
    indirect case method(receiver: TemplateValue, name: String)
    case macro(TemplateMacro)

    var typeName: String {
        switch self {
        case .global: return "builtin_function_or_method"
        case .method: return "builtin_function_or_method"
        case .macro: return "Macro"
        }
    }

    func isSame(as other: TemplateFunction) -> Bool {
        switch (self, other) {
        case let (.global(a), .global(b)): return a == b
        case let (.macro(a), .macro(b)): return a === b
        default: return false
        }
    }
}

/// A `{% macro %}`: its definition and the scope it was defined in (macros see the variables
/// around their definition, as a closure does).
final class TemplateMacro {
    let definition: MacroDefinition
    let scope: TemplateScope

    init(definition: MacroDefinition, scope: TemplateScope) {
        self.definition = definition
        self.scope = scope
    }
}
