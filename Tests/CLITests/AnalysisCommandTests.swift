import Foundation
import XCTest

/// `sinks`, `meta-domains`, `roles`, `magnitudes`, `entropy` end to end on the bundled model and
/// small prompt sets: every promised file exists and is valid, the JSON contracts hold, bad
/// requests fail in one line and leave nothing behind.
final class AnalysisCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory("analysis") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A prompt set of `passages` written into the test folder.
    func promptFile(_ name: String, _ passages: [String]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(passages.joined(separator: "\n\n\n").utf8).write(to: url)
        return url.path
    }

    var prose: String {
        get throws {
            try promptFile("prose.txt", [
                "The river flows north through the desert and into the sea.",
                "Green plants convert light energy into chemical energy.\nThey release oxygen.",
                "The printing press was developed in the German city of Mainz around 1450.",
            ])
        }
    }

    var math: String {
        get throws {
            try promptFile("math.txt", [
                "Problem: Solve for x: 12x + 35 = 239.\nAnswer: x = 17",
                "Problem: What is 5% of 840?\nAnswer: 42",
                "Problem: Find the roots of x^2 + 16x + 63 = 0.\nAnswer: x = -9 or x = -7",
            ])
        }
    }

    func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Every file exists; PNGs have the PNG signature, SVGs an <svg> root, CSVs the header.
    func assertFiles(_ names: [String], in folder: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        for name in names {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                XCTFail("missing \(name)", file: file, line: line); continue
            }
            switch url.pathExtension {
            case "png": XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], name, file: file, line: line)
            case "svg": XCTAssertTrue(String(decoding: data.prefix(400), as: UTF8.self).contains("<svg"), name, file: file, line: line)
            case "json": XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), name, file: file, line: line)
            default: XCTAssertGreaterThan(data.count, 0, name, file: file, line: line)
            }
        }
    }

    /// Rows of a CSV file (header first), split on commas (the tests' files hold no quoted commas).
    func csv(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func testSinksWritesFiguresTablesAndTheJSONContract() throws {
        let out = directory.appendingPathComponent("sinks")
        let result = try CLI.run(["sinks", CLI.bundledModel.path, "--prompts", try prose, "--out", out.path, "--json", "-"])
        XCTAssertEqual(result.status, 0, result.stderr)
        try assertFiles(["sinks.png", "sinks.svg", "sinks-heads.png", "sinks-heads.svg", "sinks.json", "sinks.csv", "sinks-heads.csv"], in: out)
        let contract = try json(out.appendingPathComponent("sinks.json"))
        let printed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(NSDictionary(dictionary: printed), NSDictionary(dictionary: contract), "--json - prints the same table")
        XCTAssertEqual(contract["meta_tokens"] as? Int, 32)
        XCTAssertEqual(contract["passages"] as? Int, 3)
        let layers = try XCTUnwrap(contract["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.map { $0["layer"] as? Int }, [0, 1, 2, 3, 4, 5])
        for layer in layers {
            for branch in ["attention", "ssm"] {
                let shares = try XCTUnwrap(layer[branch] as? [String: Double])
                XCTAssertEqual(Set(shares.keys), ["meta", "bos", "self", "cross"])
                XCTAssertEqual(shares.values.reduce(0, +), 1, accuracy: 1e-5)
                XCTAssertGreaterThan(shares["meta"]!, 0)
            }
            XCTAssertEqual((layer["attention_heads"] as? [[String: Double]])?.count, 4)
        }
        let table = try csv(out.appendingPathComponent("sinks.csv"))
        XCTAssertEqual(table[0], ["layer", "kind", "attention_meta", "attention_bos", "attention_self", "attention_cross",
                                  "ssm_meta", "ssm_bos", "ssm_self", "ssm_cross"])
        XCTAssertEqual(table.count, 7)
        XCTAssertEqual(try csv(out.appendingPathComponent("sinks-heads.csv")).count, 1 + 6 * 2 * 4)
    }

    func testSinksWithoutMetaTokens() throws {
        let out = directory.appendingPathComponent("bare")
        let jsonFile = directory.appendingPathComponent("bare.json")
        let result = try CLI.run(["sinks", CLI.bundledModel.path, "--prompts", try prose, "--no-meta", "--max-passages", "2",
                                  "--out", out.path, "--json", jsonFile.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "--quiet")
        let contract = try json(jsonFile)
        XCTAssertEqual(contract["meta_tokens"] as? Int, 0)
        XCTAssertEqual(contract["passages"] as? Int, 2)
        for layer in try XCTUnwrap(contract["layers"] as? [[String: Any]]) {
            XCTAssertEqual((layer["attention"] as? [String: Double])?["meta"], 0)
            XCTAssertGreaterThan((layer["attention"] as? [String: Double])?["bos"] ?? 0, 0)
        }
    }

    func testMetaDomainsAllLayers() throws {
        let out = directory.appendingPathComponent("meta")
        let result = try CLI.run(["meta-domains", CLI.bundledModel.path, "--domain", "prose=\(try prose)", "--domain", "math=\(try math)",
                                  "--layer", "all", "--permutations", "50", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        try assertFiles(["meta-domains-box.png", "meta-domains-box.svg", "meta-domains-profiles.png", "meta-domains-profiles.svg",
                         "meta-domains-jsd.png", "meta-domains-jsd.svg", "meta-domains-layers.png", "meta-domains-layers.svg",
                         "meta-domains.json", "meta-domains.csv", "meta-domains-passages.csv", "meta-domains-jsd.csv",
                         "meta-domains-test.csv"], in: out)
        let report = try json(out.appendingPathComponent("meta-domains.json"))
        XCTAssertEqual(report["primary_layer"] as? Int, 5)
        let layers = try XCTUnwrap(report["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, 6)
        for layer in layers {
            let p = try XCTUnwrap(layer["p_value"] as? Double)
            XCTAssertGreaterThanOrEqual(p, 1.0 / 51)
            XCTAssertLessThanOrEqual(p, 1)
            XCTAssertEqual((p * 51).rounded(), p * 51, accuracy: 1e-6, "p = k / (permutations + 1)")
            let jsd = try XCTUnwrap((layer["jsd"] as? [[String: Any]])?.first?["jsd"] as? Double)
            XCTAssertGreaterThanOrEqual(jsd, 0)
            XCTAssertLessThanOrEqual(jsd, log(2))
            XCTAssertEqual(((layer["mean_profiles"] as? [String: [Double]])?["math"])?.count, 32)
        }
        XCTAssertEqual(try csv(out.appendingPathComponent("meta-domains.csv")).count, 1 + 6 * 2 * 32)
        XCTAssertEqual(try csv(out.appendingPathComponent("meta-domains-passages.csv"))[0].count, 3 + 32)

        let one = directory.appendingPathComponent("meta2")
        let single = try CLI.run(["meta-domains", CLI.bundledModel.path, "--domain", "prose=\(try prose)", "--domain", "math=\(try math)",
                                  "--layer", "2", "--permutations", "10", "--quiet", "--out", one.path])
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertEqual(try json(one.appendingPathComponent("meta-domains.json"))["primary_layer"] as? Int, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: one.appendingPathComponent("meta-domains-layers.png").path))
    }

    func testRolesAblatesEveryComponent() throws {
        let out = directory.appendingPathComponent("roles")
        let result = try CLI.run(["roles", CLI.bundledModel.path, "--prompts", try prose, "--max-passages", "2", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        try assertFiles(["roles-branches.png", "roles-branches.svg", "roles-heads.png", "roles-heads.svg", "roles-reach.png",
                         "roles-reach.svg", "roles.json", "roles-ablations.csv", "roles-heads.csv"], in: out)
        let report = try json(out.appendingPathComponent("roles.json"))
        let ablations = try XCTUnwrap(report["ablations"] as? [[String: Any]])
        XCTAssertEqual(ablations.count, 6 * (2 + 2 * 4))
        XCTAssertTrue(ablations.allSatisfy { ($0["delta_nll"] as? Double)?.isFinite ?? false })
        let ssm0 = try XCTUnwrap(ablations.first { $0["layer"] as? Int == 0 && $0["component"] as? String == "ssm_branch" })
        XCTAssertGreaterThan(ssm0["delta_nll"] as? Double ?? 0, 0.1, "layer 0's SSM branch carries the trained model")
        let heads = try XCTUnwrap(report["heads"] as? [[String: Any]])
        XCTAssertEqual(heads.count, 6 * 2 * 4)
        let roles: Set<String> = ["meta-sink", "BOS-sink", "local", "long-range", "mixed"]
        XCTAssertTrue(heads.allSatisfy { roles.contains($0["role"] as? String ?? "") })
        XCTAssertEqual((report["thresholds"] as? [String: Double])?["sink_share"], 0.5)
        XCTAssertEqual(try csv(out.appendingPathComponent("roles-heads.csv"))[0],
                       ["layer", "branch", "head", "meta", "bos", "self", "cross", "mean_distance", "span90", "uniform_reach",
                        "delta_nll", "role"])

        let branches = directory.appendingPathComponent("branches")
        let quick = try CLI.run(["roles", CLI.bundledModel.path, "--prompts", try math, "--max-passages", "1", "--branches-only",
                                 "--local-distance", "2", "--long-range-fraction", "0.5", "--quiet", "--out", branches.path])
        XCTAssertEqual(quick.status, 0, quick.stderr)
        let quickReport = try json(branches.appendingPathComponent("roles.json"))
        XCTAssertEqual((quickReport["ablations"] as? [Any])?.count, 12)
        XCTAssertEqual((quickReport["thresholds"] as? [String: Double])?["long_range_fraction"], 0.5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: branches.appendingPathComponent("roles-heads.png").path))
    }

    func testMagnitudesAndEntropy() throws {
        let magnitudes = directory.appendingPathComponent("magnitudes")
        // Without a model argument the analyses use the bundled model, like attention and report.
        var result = try CLI.run(["magnitudes", "--prompts", try prose, "--out", magnitudes.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue((try json(magnitudes.appendingPathComponent("magnitudes.json"))["model"] as? String)?.hasSuffix("models/hymba-tiny") ?? false)
        try assertFiles(["magnitudes.png", "magnitudes.svg", "magnitudes.json", "magnitudes.csv"], in: magnitudes)
        for layer in try XCTUnwrap(json(magnitudes.appendingPathComponent("magnitudes.json"))["layers"] as? [[String: Any]]) {
            for key in ["attention_rms", "ssm_rms", "attention_norm_mean_abs_weight", "ssm_norm_mean_abs_weight"] {
                XCTAssertGreaterThan(layer[key] as? Double ?? 0, 0, key)
            }
        }

        let entropy = directory.appendingPathComponent("entropy")
        result = try CLI.run(["entropy", CLI.bundledModel.path, "--prompts", try math, "--out", entropy.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("with and without meta tokens"), "the progress names both runs")
        try assertFiles(["entropy.png", "entropy.svg", "entropy-heads.png", "entropy-heads.svg", "entropy.json", "entropy.csv",
                         "entropy-heads.csv"], in: entropy)
        let layers = try XCTUnwrap(json(entropy.appendingPathComponent("entropy.json"))["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, 6)
        for layer in layers {
            // With 32 extra keys a row can only be as spread or more; the bound ln(T) holds for both.
            for key in ["attention", "ssm", "attention_without_meta", "ssm_without_meta"] {
                let value = try XCTUnwrap(layer[key] as? Double, key)
                XCTAssertGreaterThan(value, 0)
                XCTAssertLessThan(value, log(32.0 + 40))
            }
        }
    }

    /// Each bad request: one error line naming the problem, nonzero status, nothing written.
    func testBadRequestsFailCleanly() throws {
        let out = directory.appendingPathComponent("out")
        let empty = try promptFile("empty.txt", ["  ", ""])
        let fixture = CLI.parity.appendingPathComponent("tiny-bf16").path
        let model = CLI.bundledModel.path
        let prompts = try prose
        let cases: [([String], String)] = [
            (["sinks", fixture, "--prompts", prompts, "--out", out.path], "no tokenizer.json"),
            (["sinks", model, "--prompts", directory.appendingPathComponent("missing.txt").path, "--out", out.path], "missing.txt"),
            (["sinks", model, "--prompts", empty, "--out", out.path], "holds no passage"),
            (["sinks", model, "--prompts", prompts, "--out", URL(fileURLWithPath: prompts).appendingPathComponent("out").path], "is a file, not a directory"),
            (["sinks", model, "--prompts", prompts, "--json", directory.appendingPathComponent("x.txt").path, "--out", out.path], "extension"),
            (["sinks", model, "--prompts", prompts, "--max-tokens", "1", "--out", out.path], "--max-tokens"),
            (["meta-domains", model, "--domain", "prose=\(prompts)", "--out", out.path], "at least two"),
            (["meta-domains", model, "--domain", "prose", "--domain", "b=\(prompts)", "--out", out.path], "name=file"),
            (["meta-domains", model, "--domain", "a=\(prompts)", "--domain", "a=\(prompts)", "--out", out.path], "given twice"),
            (["meta-domains", model, "--domain", "a=\(prompts)", "--domain", "b=\(prompts)", "--layer", "9", "--out", out.path], "out of range"),
            (["roles", model, "--prompts", prompts, "--sink-share", "2", "--out", out.path], "sink share"),
            (["meta-domains", model, "--domain", "a=\(prompts)", "--domain", "b=\(prompts)", "--permutations", "0", "--out", out.path], "--permutations must be between 1"),
            (["report", model, "--permutations", "0", "--out", out.path], "--permutations must be between 1"),
            (["report", model, "--domain", "a=\(prompts)", "--out", out.path], "at least two"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(arguments)
            assertFails(result, mentioning: fragment)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(arguments) left an output folder")
        }
        let left = CLI.contents(of: directory).filter { !$0.hasSuffix(".txt") }
        XCTAssertEqual(left, [], "no staging folders or temporaries")
    }
}
