import ArgumentParser
import HymbaKit

@main
struct HymbaLens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hymba-lens",
        abstract: "Run NVIDIA Hymba checkpoints exactly on the CPU and look inside them.",
        version: HymbaKitInfo.version,
        subcommands: [Trace.self, Inspect.self, Init.self, Bench.self, Tokenize.self, Attention.self, Plot.self, Lens.self, View.self,
                      Sinks.self, MetaDomains.self, Roles.self, Magnitudes.self, Entropy.self, Report.self, Merge.self]
    )

    /// The right OpenBLAS kernels first (a restart, when needed), then the command.
    static func main() {
        BLASRelaunch.ifNeeded()
        main(nil)
    }
}
