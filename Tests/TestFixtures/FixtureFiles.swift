import Foundation

/// Where the tests find their data: the in-repository copies of the reference fixtures
/// (`Tests/Fixtures`), the shipped configs (`models/configs`) and the bundled model — so a clone
/// anywhere runs its tests with nothing beside it.
///
/// The copies come from the project's upstream fixture folder (`../shared/fixtures` where it
/// exists); `FixtureCopyTests` checks they still match it and `scripts/refresh-fixtures.sh`
/// copies them again.
public enum FixtureFiles {
    /// The repository root, found from this file so any working directory works.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // TestFixtures
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()

    /// `Tests/Fixtures`: parity/, tokenizer/, decode/, chat/ (copies), jinja/ (the project's own).
    public static let root = repositoryRoot.appendingPathComponent("Tests/Fixtures")
    public static let parity = root.appendingPathComponent("parity")
    public static let tokenizer = root.appendingPathComponent("tokenizer")
    public static let decode = root.appendingPathComponent("decode")
    public static let chat = root.appendingPathComponent("chat")
    /// The project's own Jinja reference cases (scripts/make-jinja-cases.py renders them with
    /// Jinja2 as Hugging Face configures it); not a copy of an upstream fixture.
    public static let jinja = root.appendingPathComponent("jinja")
    /// The real Hymba-1.5B-Base config.json, shipped for `init`.
    public static let hymba15BConfig = repositoryRoot.appendingPathComponent("models/configs/hymba-1.5b-base.json")
    public static let bundledModel = repositoryRoot.appendingPathComponent("models/hymba-tiny")
    /// The project's own domain prompt sets.
    public static let domains = repositoryRoot.appendingPathComponent("analyses/domains")

    /// The upstream fixture folder beside the repository, when this machine has it (it is
    /// never needed: only the copy check and the eval-text tests use it).
    public static var upstream: URL? {
        let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("fixtures").path) ? url : nil
    }

    /// A fixture file that must exist, or an error naming it (so a missing copy fails its test
    /// with the path instead of crashing the test run).
    public static func required(_ url: URL) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else { throw MissingFixture(path: url.path) }
        return url
    }

    /// Every parity fixture folder (tiny-bf16, tiny-f32, …): the folders holding a golden.json.
    public static var parityFixtures: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parity.path)) ?? []
        return names.sorted().map { parity.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("golden.json").path) }
    }
}

/// A fixture the tests need is not in the repository.
public struct MissingFixture: Error, CustomStringConvertible {
    public let path: String
    public init(path: String) { self.path = path }
    public var description: String {
        "fixture file missing: \(path) (the tests read their fixtures from Tests/Fixtures; scripts/refresh-fixtures.sh copies them)"
    }
}
