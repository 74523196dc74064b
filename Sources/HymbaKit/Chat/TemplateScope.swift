/// Variables visible at one point of a template, with Jinja's scoping: the render's globals
/// and context at the root, the template's top level below them, then one scope per for-loop
/// iteration, macro call and `{% set %}…{% endset %}` block. `if` opens none.
///
/// So `{% set x = … %}` inside a loop is gone after the iteration (and the next iteration starts
/// again from the outer value), which is why templates carry state out of loops in a
/// `namespace()`; Hugging Face templates rely on exactly this.
final class TemplateScope {
    private var variables: [String: TemplateValue] = [:]
    let parent: TemplateScope?

    init(parent: TemplateScope?) {
        self.parent = parent
    }

    func lookup(_ name: String) -> TemplateValue? {
        var scope: TemplateScope? = self
        while let current = scope {
            if let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }

    func set(_ name: String, _ value: TemplateValue) {
        variables[name] = value
    }

    /// Drops every variable: breaks the scope ↔ macro reference cycle when a render ends.
    func clear() {
        variables.removeAll()
    }
}
