import ArgumentParser
import Foundation
import HymbaKit

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prefill speed and peak memory (and tokenizer throughput).",
        discussion: """
        Runs a synthetic prompt of --tokens ids (BOS first, then a fixed pseudo-random sequence) \
        through the model --repeat times and prints seconds per prefill, tokens/s and the peak \
        resident memory of the process. --record runs the same with a recording plan, to see \
        what probes cost. Use a release build (swift build -c release) for numbers worth quoting.

        The "sgemm bound" line times the forward's large projections alone (in_proj, out_proj, \
        the MLP and the LM head, over the rows a plain prefill computes), measured in the same \
        process right after the prefills: the gap between it and the prefill is everything \
        else (attention, scan, norms). On a shared machine whose speed drifts, compare the two \
        rather than prefill times taken at different moments.

        --tokenize-file measures the tokenizer instead: MB/s on the file as one string and split \
        into paragraphs.

        Examples:
          hymba-lens init --config models/configs/hymba-1.5b-base.json --layers 4 --out /tmp/h4
          hymba-lens bench --model /tmp/h4 --tokens 512
          hymba-lens bench --model /tmp/h4 --tokens 512 --record all
          hymba-lens bench --model models/hymba-tiny --tokenize-file big.txt
        """)

    @Option(help: ArgumentHelp("Checkpoint folder.", valueName: "dir"))
    var model: String

    @Option(help: "Prompt length in real tokens (meta tokens come on top).")
    var tokens: Int?

    @Option(help: ArgumentHelp("Recording plan to apply while timing (as trace --record).", valueName: "plan"))
    var record: String?

    @Option(help: "Timed runs (after one untimed warm-up run).")
    var `repeat`: Int = 3

    @Option(name: .customLong("tokenize-file"), help: ArgumentHelp("Measure tokenizer throughput on this UTF-8 file.", valueName: "file"))
    var tokenizeFile: String?

    func validate() throws {
        if tokens == nil && tokenizeFile == nil { throw ValidationError("give --tokens N and/or --tokenize-file F") }
        if let tokens, tokens < 1 { throw ValidationError("--tokens must be at least 1") }
        if self.repeat < 1 { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        if let tokenizeFile { try benchTokenizer(file: tokenizeFile) }
        if let tokens { try benchPrefill(tokens: tokens) }
    }

    private func benchPrefill(tokens: Int) throws {
        let loadStart = Date()
        let (_, model) = try ModelLoading.load(self.model)
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let rssAfterLoad = Memory.currentResidentBytes()
        let plan = try record.map { try RecordingPlan($0, config: model.config) }
        var random = UInt64(12345)
        let ids = [model.config.bosTokenID ?? 1] + (1..<tokens).map { _ -> Int in
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(model.config.vocabSize - 3)) + 3
        }
        try model.validate(ids: ids)
        var times: [Double] = []
        for run in 0...self.repeat {
            let recorder = plan.map { model.makeRecorder(plan: $0) }
            let start = Date()
            // A plain prefill computes every logit row; with a plan, only what it records.
            _ = try model.forward(ids: ids, recorder: recorder, logitRows: recorder == nil ? .all : .last)
            let seconds = Date().timeIntervalSince(start)
            if run > 0 { times.append(seconds) }
            Progress.note(String(format: "%@ %d: %.3f s", run == 0 ? "warm-up" : "run", run, seconds))
        }
        let best = times.min()!, median = times.sorted()[times.count / 2]
        let bound = (0..<self.repeat).map { _ in projectionSeconds(model, rows: tokens) }.min()!
        let c = model.config
        print("model        \(self.model)  (D=\(c.hiddenSize), \(c.hiddenLayers) layers, \(c.memoryTokens) meta tokens)")
        print("prompt       \(tokens) tokens + \(c.memoryTokens) meta = \(tokens + c.memoryTokens) positions")
        print("record       \(record ?? "nothing")")
        print(String(format: "load         %.2f s", loadSeconds))
        print(String(format: "prefill      best %.3f s, median %.3f s over %d runs", best, median, times.count))
        print(String(format: "throughput   %.0f tokens/s (best), %.0f tokens/s (median)", Double(tokens) / best, Double(tokens) / median))
        print(String(format: "sgemm bound  %.3f s for the projections alone (prefill best = %.2f × that)", bound, best / bound))
        print(String(format: "memory       %.0f MiB resident after load, %.0f MiB peak", Double(rssAfterLoad) / 1048576, Double(Memory.peakResidentBytes()) / 1048576))
    }

    /// Seconds for the sgemms of a plain prefill's projections over `rows` rows (weights as
    /// loaded, inputs zero): every layer's in_proj, out_proj, gate/up and down, then the LM head.
    private func projectionSeconds(_ model: HymbaModel, rows: Int) -> Double {
        let c = model.config
        let start = Date()
        for layer in model.weights.layers {
            _ = BLAS.linear(Matrix(rows: rows, cols: c.hiddenSize), layer.inProj)
            _ = BLAS.linear(Matrix(rows: rows, cols: c.innerSize), layer.outProj)
            _ = BLAS.linear(Matrix(rows: rows, cols: c.hiddenSize), layer.gateUp)
            _ = BLAS.linear(Matrix(rows: rows, cols: layer.downProj.cols), layer.downProj)
        }
        _ = BLAS.linear(Matrix(rows: rows, cols: c.hiddenSize), model.weights.lmHead)
        return Date().timeIntervalSince(start)
    }

    private func benchTokenizer(file: String) throws {
        let tokenizer = try Tokenizer(directory: URL(fileURLWithPath: model))
        let text = try readUTF8TextFile(URL(fileURLWithPath: file))
        let megabytes = Double(text.utf8.count) / 1e6
        let paragraphs = text.components(separatedBy: "\n\n")
        func best(_ body: () -> Int) -> (seconds: Double, tokens: Int) {
            var result = (seconds: Double.infinity, tokens: 0)
            for _ in 0..<self.repeat {
                let start = Date()
                let count = body()
                result = (min(result.seconds, Date().timeIntervalSince(start)), count)
            }
            return result
        }
        let whole = best { tokenizer.encode(text).count }
        let split = best { paragraphs.reduce(0) { $0 + tokenizer.encode($1).count } }
        print(String(format: "tokenizer    %.2f MB file, %d tokens", megabytes, whole.tokens))
        print(String(format: "one string   %.3f s  %.2f MB/s", whole.seconds, megabytes / whole.seconds))
        print(String(format: "paragraphs   %.3f s  %.2f MB/s  (%d paragraphs)", split.seconds, megabytes / split.seconds, paragraphs.count))
    }
}

/// Resident memory of this process, from the kernel.
enum Memory {
    /// Peak resident set size (getrusage; kilobytes on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Current resident set size from /proc/self/statm.
    static func currentResidentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
