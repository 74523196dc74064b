/// Builds Python's `str`/`repr` text of a value, refusing to grow past `limit` characters (a
/// list holding the same long string a million times must not print itself into memory).
struct TextBuilder {
    private(set) var result = ""
    private var count = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    mutating func append(_ text: String) throws {
        count += text.unicodeScalars.count
        guard count <= limit else {
            throw TemplateFailure.limit("the text would be longer than \(limit) characters")
        }
        result += text
    }

    mutating func appendRepr(_ value: TemplateValue, depth: Int) throws {
        guard depth < TemplateValue.comparisonDepthLimit else { throw TemplateFailure.limit("a value nested too deeply to print") }
        switch value {
        case .undefined: try append("Undefined")
        case .none: try append("None")
        case let .bool(flag): try append(flag ? "True" : "False")
        case let .int(number): try append(String(number))
        case let .float(number): try append(PythonNumbers.floatRepr(number))
        case let .string(text): try append(PythonText.repr(text))
        case let .list(sequence):
            if let view = sequence.view { try append(view.rawValue + "(") }
            try append("[")
            for (index, item) in sequence.items.enumerated() {
                if index > 0 { try append(", ") }
                try appendRepr(item, depth: depth + 1)
            }
            try append(sequence.view == nil ? "]" : "])")
        case let .tuple(sequence):
            try append("(")
            for (index, item) in sequence.items.enumerated() {
                if index > 0 { try append(", ") }
                try appendRepr(item, depth: depth + 1)
            }
            try append(sequence.items.count == 1 ? ",)" : ")")
        case let .dict(dict):
            try appendDict(dict, depth: depth)
        case let .range(start, stop, step):
            try append(step == 1 ? "range(\(start), \(stop))" : "range(\(start), \(stop), \(step))")
        case let .namespace(namespace):
            try append("<Namespace ")
            try appendDict(namespace.attributes, depth: depth)
            try append(">")
        case let .loop(loop):
            try append("<LoopContext \(loop.index0 + 1)/\(loop.length)>")
        case let .function(function):
            if case let .macro(macro) = function {
                try append("<Macro \(PythonText.repr(macro.definition.name))>")
            } else {
                throw TemplateFailure.unsupported("printing a function (Python prints its memory address)")
            }
        case let .iterator(iterator):
            throw TemplateFailure.unsupported("printing a \(iterator.typeName) (Python prints its memory address; add |list)")
        }
    }

    private mutating func appendDict(_ dict: TemplateDict, depth: Int) throws {
        try append("{")
        for (index, (key, item)) in zip(dict.keys, dict.values).enumerated() {
            if index > 0 { try append(", ") }
            try appendRepr(key, depth: depth + 1)
            try append(": ")
            try appendRepr(item, depth: depth + 1)
        }
        try append("}")
    }
}

/// Text being rendered, refusing to grow past the limit.
struct OutputBuffer {
    private(set) var text = ""
    private var count = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    mutating func append(_ piece: String) throws {
        count += piece.unicodeScalars.count
        guard count <= limit else {
            throw TemplateFailure.limit("the rendered text would be longer than \(limit) characters")
        }
        text += piece
    }
}
