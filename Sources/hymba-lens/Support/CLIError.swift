/// Command-line problems that are not about a checkpoint or a plan. One line each.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
