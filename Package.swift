// swift-tools-version:6.0
import PackageDescription

let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "HymbaLens",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "HymbaKit", targets: ["HymbaKit"]),
        .library(name: "HymbaAnalysis", targets: ["HymbaAnalysis"]),
        .library(name: "HymbaPlot", targets: ["HymbaPlot"]),
        .library(name: "HymbaReport", targets: ["HymbaReport"]),
        .library(name: "HymbaViewer", targets: ["HymbaViewer"]),
        .executable(name: "hymba-lens", targets: ["hymba-lens"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: OpenBLAS for every matrix product, Cairo + Pango for drawing.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "pangocairo",
                       providers: [.apt(["libcairo2-dev", "libpango1.0-dev", "libpng-dev"])]),

        // Kernels in C with per-CPU variants (generic / AVX2 / AVX-512), optimised in every
        // configuration like the numeric Swift modules below.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // The numeric modules are optimised in every configuration: an -Onone forward pass is
        // ~30x slower, which would make `swift test` (a debug build) crawl through the parity and
        // trained-model tests. @testable still works (-enable-testing comes from SwiftPM).
        .target(name: "HymbaKit", dependencies: ["CBLAS", "CKernels"], swiftSettings: optimizedInDebug),
        .target(name: "HymbaAnalysis", dependencies: ["HymbaKit"], swiftSettings: optimizedInDebug),
        .target(name: "HymbaPlot", dependencies: ["CCairo"]),
        // Corpus runs (journal, shards, merge), each analysis's artifacts and figures, the report page.
        .target(name: "HymbaReport", dependencies: ["HymbaKit", "HymbaAnalysis", "HymbaPlot", "HymbaViewer"]),
        // The interactive viewer: one self-contained HTML page of a prompt's maps and logit lens.
        .target(name: "HymbaViewer", dependencies: ["HymbaKit", "HymbaPlot"], swiftSettings: optimizedInDebug),
        .executableTarget(
            name: "hymba-lens",
            dependencies: [
                "HymbaKit", "HymbaAnalysis", "HymbaPlot", "HymbaReport", "HymbaViewer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Paths of the in-repository fixture copies (Tests/Fixtures), shared by the test targets.
        .target(name: "TestFixtures", path: "Tests/TestFixtures"),
        .testTarget(name: "HymbaKitTests", dependencies: ["HymbaKit", "CKernels", "TestFixtures"]),
        .testTarget(name: "HymbaAnalysisTests", dependencies: ["HymbaAnalysis", "HymbaKit", "TestFixtures"]),
        .testTarget(name: "HymbaPlotTests", dependencies: ["HymbaPlot"]),
        .testTarget(name: "HymbaReportTests", dependencies: ["HymbaReport", "HymbaAnalysis", "HymbaKit", "TestFixtures"]),
        .testTarget(name: "HymbaViewerTests", dependencies: ["HymbaViewer", "HymbaKit", "TestFixtures"]),
        // End-to-end through the built executable (the dependency makes `swift test` build it).
        .testTarget(name: "CLITests", dependencies: ["hymba-lens", "HymbaKit", "HymbaPlot", "TestFixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
