/// Problems of a corpus run, a journal, a shard or a merge that the user can fix: one line each,
/// naming the file, option or passage at fault and, where there is one, the way out.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
