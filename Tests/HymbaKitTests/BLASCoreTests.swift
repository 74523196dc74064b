import XCTest
@testable import HymbaKit

/// The BLAS core decision over feature sets, detected cores and environments (a pure function:
/// these tests never set or read the process's OPENBLAS_* variables).
final class BLASCoreTests: XCTestCase {
    private let avx512: BLASCore.Features = .avx512
    private let avx2: BLASCore.Features = .avx2fma

    private func decide(_ vendor: BLASCore.Vendor, _ features: BLASCore.Features, detected: String,
                        _ environment: [String: String] = [:]) -> BLASCore.Decision {
        BLASCore.decide(vendor: vendor, features: features, detected: detected, environment: environment)
    }

    func testAnAVX512XeonThatOpenBLASTookForAPrescottGetsSkylakeX() {
        XCTAssertEqual(decide(.intel, avx512, detected: "Prescott"), .relaunch(core: "SkylakeX"))
        XCTAssertEqual(decide(.intel, avx512.union(.avx512bf16), detected: "Prescott"), .relaunch(core: "Cooperlake"))
        XCTAssertEqual(decide(.intel, avx512, detected: "Haswell"), .relaunch(core: "SkylakeX"), "older generation than the CPU")
        XCTAssertEqual(decide(.intel, avx512, detected: "sandybridge"), .relaunch(core: "SkylakeX"), "names compare case-insensitively")
    }

    func testAVX2MachinesGetHaswellOrZenByVendor() {
        XCTAssertEqual(decide(.intel, avx2, detected: "Prescott"), .relaunch(core: "Haswell"))
        XCTAssertEqual(decide(.other, avx2, detected: "Nehalem"), .relaunch(core: "Haswell"))
        XCTAssertEqual(decide(.amd, avx2, detected: "Prescott"), .relaunch(core: "Zen"))
        XCTAssertEqual(decide(.hygon, avx2, detected: "Barcelona"), .relaunch(core: "Zen"))
    }

    func testACoreAsRecentAsTheFeaturesAllowIsKept() {
        XCTAssertEqual(decide(.amd, avx2, detected: "Zen"), .keep(.bestAvailable))
        XCTAssertEqual(decide(.intel, avx2, detected: "Zen"), .keep(.bestAvailable), "same generation: no restart for nothing")
        XCTAssertEqual(decide(.intel, avx512, detected: "SkylakeX"), .keep(.bestAvailable))
        XCTAssertEqual(decide(.intel, avx512.union(.avx512bf16), detected: "SkylakeX"), .keep(.bestAvailable),
                       "Cooperlake's sgemm is SkylakeX's")
        XCTAssertEqual(decide(.intel, avx512, detected: "SapphireRapids"), .keep(.bestAvailable))
    }

    func testOldOrPartialFeatureSetsAndUnknownCoresAreLeftAlone() {
        XCTAssertEqual(decide(.intel, [.avx], detected: "Prescott"), .keep(.bestAvailable), "no AVX2: nothing better to name")
        XCTAssertEqual(decide(.intel, [.avx, .avx2], detected: "Prescott"), .keep(.bestAvailable), "AVX2 without FMA")
        XCTAssertEqual(decide(.intel, avx2.union([.avx512f, .avx512bw]), detected: "Prescott"), .relaunch(core: "Haswell"),
                       "AVX-512 without VL and DQ is not enough for SkylakeX")
        XCTAssertEqual(decide(.intel, avx512, detected: "ARMV8"), .keep(.bestAvailable))
        XCTAssertEqual(decide(.intel, [], detected: "Prescott"), .keep(.bestAvailable))
    }

    func testTheEnvironmentWins() {
        XCTAssertEqual(decide(.intel, avx512, detected: "Prescott", ["OPENBLAS_CORETYPE": "Prescott"]), .keep(.setByEnvironment),
                       "a value the user set is never overridden")
        XCTAssertEqual(decide(.intel, avx512, detected: "Prescott", ["HYMBA_LENS_BLAS": "keep"]), .keep(.keptByRequest))
        XCTAssertEqual(decide(.intel, avx512, detected: "Prescott", ["HYMBA_LENS_BLAS": "KEEP"]), .keep(.keptByRequest))
        XCTAssertEqual(decide(.intel, avx512, detected: "Prescott", ["HYMBA_LENS_BLAS_DETECTED": "Prescott"]), .keep(.setByEnvironment),
                       "a restarted process never restarts again")
        XCTAssertEqual(decide(.intel, avx512, detected: "Prescott", ["HYMBA_LENS_BLAS": "auto"]), .relaunch(core: "SkylakeX"))
    }

    func testBestCoreTable() {
        XCTAssertEqual(BLASCore.bestCore(vendor: .amd, features: avx512), "SkylakeX", "AVX-512 decides before the vendor")
        XCTAssertNil(BLASCore.bestCore(vendor: .intel, features: [.avx, .fma]))
        for name in ["Prescott", "Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake"] {
            XCTAssertNotNil(BLASCore.generation(of: name), name)
        }
    }

    /// The running process: the line names a core, and CPUID agrees with the kernel level.
    func testThisProcessIsDescribed() {
        let line = BLASCore.statusLine()
        XCTAssertTrue(line.hasPrefix("OpenBLAS "), line)
        XCTAssertTrue(line.contains(", core \(BLASCore.runningCore) ("), line)
        let features = BLASCore.cpu.features
        if KernelLevel.best.rawValue >= 1 { XCTAssertTrue(features.isSuperset(of: .avx2fma)) }
        if KernelLevel.best.rawValue >= 2 { XCTAssertTrue(features.isSuperset(of: .avx512)) }
    }
}
