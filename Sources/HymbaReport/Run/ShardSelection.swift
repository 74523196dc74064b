import Foundation

/// Which 1/N of a run's passages this process computes: `--shard I/N` (1 ≤ I ≤ N), or
/// `--shard auto`, which reads the index of a Slurm job array task or a Kubernetes Indexed Job —
/// only when asked, so an unrelated `SLURM_*` variable never splits a run by surprise.
public struct ShardSelection: Equatable, Sendable, CustomStringConvertible {
    /// 1 … count.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw ReportError("--shard \(index)/\(count): the shard count must be at least 1") }
        guard (1...count).contains(index) else {
            throw ReportError("--shard \(index)/\(count): shards are numbered 1…\(count)")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// Parses `I/N`, `auto` or `auto/N`.
    ///
    /// `auto` reads, in this order:
    /// - Slurm job arrays: `SLURM_ARRAY_TASK_ID`, with `SLURM_ARRAY_TASK_MIN` (the first task
    ///   is shard 1, whether the array is `0-2` or `1-3`) and `SLURM_ARRAY_TASK_COUNT`; the
    ///   array must be a plain range (`--array=0-2`, no step or list, `%` limits are fine);
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` (0-based); the Job does not tell its
    ///   pods how many completions it has, so give it: `auto/N`.
    public static func parse(_ text: String, environment: [String: String]) throws -> ShardSelection {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts[0] == "auto" {
            guard parts.count <= 2 else { throw ReportError("--shard '\(text)' must be I/N, auto or auto/N") }
            var count: Int?
            if parts.count == 2 {
                guard let n = Int(parts[1]), n >= 1 else { throw ReportError("--shard '\(text)': N must be a whole number ≥ 1") }
                count = n
            }
            return try fromEnvironment(environment, count: count)
        }
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ReportError("--shard '\(text)' must be I/N (e.g. 2/3 for the second of three shards), auto or auto/N")
        }
        return try ShardSelection(index: index, count: count)
    }

    static func fromEnvironment(_ environment: [String: String], count given: Int?) throws -> ShardSelection {
        func number(_ key: String) throws -> Int? {
            guard let value = environment[key] else { return nil }
            guard let number = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw ReportError("--shard auto: \(key)='\(value)' is not a number")
            }
            return number
        }
        if let task = try number("SLURM_ARRAY_TASK_ID") {
            guard let count = try number("SLURM_ARRAY_TASK_COUNT"), let low = try number("SLURM_ARRAY_TASK_MIN"),
                  let high = try number("SLURM_ARRAY_TASK_MAX") else {
                throw ReportError("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT, _MIN or _MAX is not")
            }
            if let step = try number("SLURM_ARRAY_TASK_STEP"), step != 1 {
                throw ReportError("--shard auto: the job array steps by \(step); use a plain range such as --array=0-\(count - 1)")
            }
            guard high - low + 1 == count else {
                throw ReportError("--shard auto: the job array \(low)-\(high) has \(count) tasks, not a plain range; use --array=0-\(count - 1)")
            }
            if let given, given != count {
                throw ReportError("--shard auto/\(given): the Slurm job array has \(count) tasks")
            }
            return try ShardSelection(index: task - low + 1, count: count)
        }
        if let index = try number("JOB_COMPLETION_INDEX") {
            guard let count = given else {
                throw ReportError("--shard auto: JOB_COMPLETION_INDEX gives a Kubernetes pod its index but not the number of pods; use --shard auto/N with N = the Job's completions")
            }
            return try ShardSelection(index: index + 1, count: count)
        }
        throw ReportError("--shard auto found neither SLURM_ARRAY_TASK_ID (a Slurm job array task) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); give --shard I/N")
    }
}
