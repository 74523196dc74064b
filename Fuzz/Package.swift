// swift-tools-version:6.0
import PackageDescription

// libFuzzer harnesses over HymbaLens's parsers of untrusted input, one executable per parser.
// Each calls the same library code the command-line tool runs on a user's files. Build and run
// them with `scripts/fuzz.sh` (it passes --sanitize=fuzzer --sanitize=address, which supply
// libFuzzer's main and its coverage instrumentation); a plain `swift build` of this package is
// not meaningful. See Fuzz/README.md.
let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

func target(_ name: String) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "HymbaKit", package: "HymbaLens")],
                      swiftSettings: harness)
}

let package = Package(
    name: "HymbaLensFuzz",
    dependencies: [.package(name: "HymbaLens", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "HymbaKit", package: "HymbaLens")]),
        target("FuzzSafeTensors"),
        target("FuzzShardIndex"),
        target("FuzzConfig"),
        target("FuzzTokenizerJSON"),
        target("FuzzTokenize"),
        target("FuzzRecordingPlan"),
        target("FuzzChatTemplate"),
        target("FuzzChatFile"),
    ],
    swiftLanguageModes: [.v5]
)
