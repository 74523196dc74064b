import Foundation
import TestFixtures
import XCTest

/// Runs the built `hymba-lens` executable and captures what it prints.
enum CLI {
    static let repositoryRoot = FixtureFiles.repositoryRoot
    static let bundledModel = FixtureFiles.bundledModel
    static let parity = FixtureFiles.parity

    /// The executable next to the test bundle (`.build/<config>/hymba-lens`).
    static var executable: URL {
        var directory = Bundle(for: Marker.self).bundleURL
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("hymba-lens")
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `hymba-lens arguments…` in `directory` (the repository root by default).
    @discardableResult
    static func run(_ arguments: [String], in directory: URL = repositoryRoot, stdin: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            try process.run()
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        } else {
            try process.run()
        }
        // Read both pipes to the end before waiting, so a chatty command cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let stderrBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { stderrBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let stderrData = stderrBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Runs a command line through `/bin/sh` in `directory`, with the built executable first on
    /// `PATH` (so `hymba-lens …` and pipes run as a reader types them).
    static func shell(_ commandLine: String, in directory: URL) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", commandLine]
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = executable.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sh-\(UUID().uuidString).out")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("sh-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// A fresh temporary folder, removed by the caller's `tearDown` (or left for inspection).
    static func temporaryDirectory(_ name: String = "cli") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Files in `directory` (recursively), sorted, including hidden ones — to prove nothing was written.
    static func contents(of directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        return (enumerator?.allObjects as? [String] ?? []).sorted()
    }

    private final class Marker {}
}

extension XCTestCase {
    /// Asserts a failed run: nonzero status and one error line on stderr mentioning `fragment`.
    func assertFails(_ result: CLI.Result, mentioning fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, "expected failure; stdout: \(result.stdout)", file: file, line: line)
        let errorLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        XCTAssertEqual(errorLines.count, 1, "one error line expected, stderr was:\n\(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(fragment), "stderr should mention '\(fragment)':\n\(result.stderr)", file: file, line: line)
    }
}
