import ArgumentParser
import Foundation
import HymbaAnalysis
import HymbaKit

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prefill speed and peak memory (and tokenizer throughput).",
        discussion: """
        Runs a synthetic prompt of --tokens ids (BOS first, then a fixed pseudo-random sequence) \
        through the model --repeat times and prints seconds per prefill, tokens/s and the peak \
        resident memory of the process. --record PLAN also times a prefill recording that plan, \
        alternating with the plain runs in the same process, and prints its best time as a \
        multiple of the plain prefill's: what the probes cost. Use a release build (swift build \
        -c release) for numbers worth quoting.

        The "sgemm bound" line times the forward's large projections alone (in_proj, out_proj, \
        the MLP and the LM head, over the rows a plain prefill computes, into buffers allocated \
        beforehand), measured in the same process after each prefill: the gap between it and \
        the plain prefill is everything else (attention, scan, norms). On a shared machine \
        whose speed drifts, compare the two rather than prefill times taken at different moments.

        The "blas" line names the OpenBLAS kernels that ran and who chose them: hymba-lens \
        restarts itself with OPENBLAS_CORETYPE when OpenBLAS picked older kernels than the CPU \
        supports (HYMBA_LENS_BLAS=keep turns that off). "kernels" names the variant of \
        HymbaLens's own C kernels this CPU runs.

        --decode N measures cached decoding: after a prefill of --tokens ids (16 when --tokens \
        is not given), N decode steps, each feeding back its argmax, timed one by one. It prints \
        decode tokens/s next to the bound a decode step cannot beat: a step reads every weight \
        once, so tokens/s ≤ memory bandwidth / weight bytes. The bandwidth is measured on the spot \
        with a STREAM-style triad (a = b + s·c over 3 × 128 MiB, all cores, best of 5).

        --tokenize-file measures the tokenizer instead: MB/s on the file as one string and split \
        into paragraphs.

        Examples:
          hymba-lens init --config models/configs/hymba-1.5b-base.json --layers 4 --out /tmp/h4
          hymba-lens bench --model /tmp/h4 --tokens 512
          hymba-lens bench --model /tmp/h4 --tokens 512 --record all
          hymba-lens bench --model /tmp/h4 --tokens 512 --ablations
          hymba-lens bench --model /tmp/h4 --tokens 64 --decode 32
          hymba-lens bench --model models/hymba-tiny --tokenize-file big.txt
        """)

    @Option(help: ArgumentHelp("Checkpoint folder.", valueName: "dir"))
    var model: String

    @Option(help: "Prompt length in real tokens (meta tokens come on top).")
    var tokens: Int?

    @Option(help: ArgumentHelp("Recording plan to apply while timing (as trace --record).", valueName: "plan"))
    var record: String?

    @Flag(help: "Also time ablation passes from the first and the last layer (see above).")
    var ablations = false

    @Option(help: "Timed runs (after one untimed warm-up run).")
    var `repeat`: Int = 3

    @Option(help: ArgumentHelp("Also time N cached decode steps after a prefill of --tokens ids (see above).", valueName: "N"))
    var decode: Int?

    @Option(name: .customLong("tokenize-file"), help: ArgumentHelp("Measure tokenizer throughput on this UTF-8 file.", valueName: "file"))
    var tokenizeFile: String?

    func validate() throws {
        if tokens == nil && tokenizeFile == nil && decode == nil {
            throw ValidationError("give --tokens N, --decode N and/or --tokenize-file F")
        }
        if let decode, decode < 1 { throw ValidationError("--decode must be at least 1") }
        if ablations && tokens == nil { throw ValidationError("--ablations needs --tokens N") }
        if let tokens, tokens < 1 { throw ValidationError("--tokens must be at least 1") }
        if self.repeat < 1 { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        if let tokenizeFile { try benchTokenizer(file: tokenizeFile) }
        guard tokens != nil || decode != nil else { return }
        let loadStart = Date()
        let (_, model) = try ModelLoading.load(self.model)
        let loaded = Loaded(model: model, seconds: Date().timeIntervalSince(loadStart), residentBytes: Memory.currentResidentBytes())
        if let tokens { try benchPrefill(tokens: tokens, loaded: loaded) }
        if let tokens, ablations { try benchAblations(tokens: tokens, model: model) }
        if let decode { try benchDecode(steps: decode, promptTokens: tokens ?? 16, model: model) }
    }

    /// The model, loaded once for the prefill and decode measurements.
    private struct Loaded {
        let model: HymbaModel
        let seconds: Double
        let residentBytes: Int
    }

    /// `--decode`: decode tokens/s after a prefill, the triad bandwidth, and the bound they give.
    private func benchDecode(steps: Int, promptTokens: Int, model: HymbaModel) throws {
        let ids = Self.syntheticPrompt(tokens: promptTokens, config: model.config)
        try model.validate(ids: ids)
        try model.validateGeneration(promptTokens: ids.count, newTokens: steps + 2)
        let prefillStart = Date()
        var (logits, state) = try model.prefill(ids: ids)
        let prefillSeconds = Date().timeIntervalSince(prefillStart)
        logits = try model.decode(token: TokenSampler.argmax(logits), state: &state)    // warm-up step, untimed
        var times: [Double] = []
        for _ in 0..<steps {
            let start = Date()
            logits = try model.decode(token: TokenSampler.argmax(logits), state: &state)
            times.append(Date().timeIntervalSince(start))
        }
        let total = times.reduce(0, +), best = times.min()!, median = times.sorted()[times.count / 2]
        let bandwidth = StreamTriad.bytesPerSecond()
        let weightBytes = Self.weightBytesPerDecodeStep(model)
        let bound = bandwidth / Double(weightBytes)
        let mb = { (bytes: Double) in String(format: "%.1f MB", bytes / 1e6) }
        print(String(format: "decode       %d steps after a %d-token prefill (%.3f s): %.2f tokens/s overall, %.2f (best step), %.2f (median step)",
                     steps, promptTokens, prefillSeconds, Double(steps) / total, 1 / best, 1 / median))
        print(String(format: "bandwidth    %.2f GB/s (STREAM triad, %d threads)", bandwidth / 1e9, ProcessInfo.processInfo.activeProcessorCount))
        print("weights/step \(mb(Double(weightBytes))) fp32 read per decode step (as bf16: \(mb(Double(weightBytes) / 2)))")
        print(String(format: "decode bound %.2f tokens/s = bandwidth / weight bytes; median step reaches %.0f%% of it",
                     bound, 100 / median / bound))
    }

    /// Bytes of the weights one decode step reads: every layer's matrices and vectors and the LM
    /// head (the embedding contributes one row; the cached K/V is listed apart in docs/generation.md).
    static func weightBytesPerDecodeStep(_ model: HymbaModel) -> Int {
        let w = model.weights
        var floats = w.lmHead.count + w.finalNorm.count
        for l in w.layers {
            floats += l.inProj.count + l.convWeight.count + l.xProj.count + l.dtProj.count + l.negAByState.count
                + l.outProj.count + l.gateUp.count + l.downProj.count
            floats += l.inputNorm.count + l.convBias.count + l.dtBias.count + l.skipD.count + l.dtNorm.count + l.bNorm.count
                + l.cNorm.count + l.attentionNorm.count + l.ssmNorm.count + l.mlpNorm.count
        }
        return floats * MemoryLayout<Float>.size
    }

    /// BOS first, then a fixed pseudo-random sequence (the same for every run and machine).
    static func syntheticPrompt(tokens: Int, config: HymbaConfig) -> [Int] {
        var random = UInt64(12345)
        return [config.bosTokenID ?? 1] + (1..<max(1, tokens)).map { _ -> Int in
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(config.vocabSize - 3)) + 3
        }
    }

    private func benchPrefill(tokens: Int, loaded: Loaded) throws {
        let model = loaded.model, loadSeconds = loaded.seconds, rssAfterLoad = loaded.residentBytes
        let plan = try record.map { try RecordingPlan($0, config: model.config) }
        let ids = Self.syntheticPrompt(tokens: tokens, config: model.config)
        try model.validate(ids: ids)
        // Plain and recorded prefills alternate, so that both see the same machine (a shared
        // machine's speed drifts); the recorded run's cost is reported as a ratio to the plain one.
        let bound = ProjectionBound(model: model, rows: tokens)
        var plainTimes: [Double] = [], recordedTimes: [Double] = [], boundTimes: [Double] = []
        for run in 0...self.repeat {
            let start = Date()
            _ = try model.forward(ids: ids)                 // a plain prefill computes every logit row
            let plain = Date().timeIntervalSince(start)
            var note = String(format: "%@ %d: %.3f s", run == 0 ? "warm-up" : "run", run, plain)
            if let plan {
                let recorder = model.makeRecorder(plan: plan)
                let start = Date()
                _ = try model.forward(ids: ids, recorder: recorder, logitRows: .last)   // only what the plan records
                let recorded = Date().timeIntervalSince(start)
                note += String(format: ", recorded %.3f s", recorded)
                if run > 0 { recordedTimes.append(recorded) }
            }
            let projections = bound.seconds()
            note += String(format: ", sgemm bound %.3f s", projections)
            if run > 0 { plainTimes.append(plain); boundTimes.append(projections) }
            Progress.note(note)
        }
        let best = plainTimes.min()!, median = Self.median(plainTimes)
        let boundSeconds = boundTimes.min()!
        let pairedRatio = Self.median(zip(plainTimes, boundTimes).map { $0 / $1 })
        let c = model.config
        print("model        \(self.model)  (D=\(c.hiddenSize), \(c.hiddenLayers) layers, \(c.memoryTokens) meta tokens)")
        print("prompt       \(tokens) tokens + \(c.memoryTokens) meta = \(tokens + c.memoryTokens) positions")
        print("blas         \(BLASCore.statusLine())")
        print("kernels      \(KernelLevel.name)")
        print(String(format: "load         %.2f s", loadSeconds))
        print(String(format: "prefill      best %.3f s, median %.3f s over %d runs", best, median, plainTimes.count))
        print(String(format: "throughput   %.0f tokens/s (best), %.0f tokens/s (median)", Double(tokens) / best, Double(tokens) / median))
        print(String(format: "sgemm bound  %.3f s for the projections alone (prefill best = %.2f × that; median of the runs' ratios %.2f)",
                     boundSeconds, best / boundSeconds, pairedRatio))
        if let record {
            let recordedBest = recordedTimes.min()!, recordedMedian = Self.median(recordedTimes)
            let pairedCost = Self.median(zip(recordedTimes, plainTimes).map { $0 / $1 })
            print("record       \(record) best " + String(format: "%.3f s = %.2f × plain (median %.3f s; median of the runs' ratios %.2f)",
                                                         recordedBest, recordedBest / best, recordedMedian, pairedCost))
        } else {
            print("record       nothing")
        }
        print(String(format: "memory       %.0f MiB resident after load, %.0f MiB peak", Double(rssAfterLoad) / 1048576, Double(Memory.peakResidentBytes()) / 1048576))
    }

    /// `--ablations`: branch-ablation passes as `report` runs them (`AblationRun`), from the first
    /// and the last layer, each alternating with the sgemm bound of the projections it runs.
    private func benchAblations(tokens: Int, model: HymbaModel) throws {
        let ids = Self.syntheticPrompt(tokens: tokens, config: model.config)
        let run = try AblationRun(model: model, ids: ids)
        let last = model.config.hiddenLayers - 1
        for layer in Set([0, last]).sorted() {
            let ablation = Ablation(layer: layer, .attentionBranch)
            let bound = ProjectionBound(model: model, rows: tokens, layers: layer..<model.config.hiddenLayers)
            var times: [Double] = [], boundTimes: [Double] = []
            for repetition in 0...self.repeat {
                let start = Date()
                _ = try run.loss(ablation)
                let seconds = Date().timeIntervalSince(start)
                let projections = bound.seconds()
                if repetition > 0 { times.append(seconds); boundTimes.append(projections) }
                Progress.note(String(format: "ablation from layer %d, %@ %d: %.3f s, sgemm bound %.3f s", layer,
                                     repetition == 0 ? "warm-up" : "run", repetition, seconds, projections))
            }
            let best = times.min()!, boundBest = boundTimes.min()!
            let paired = Self.median(zip(times, boundTimes).map { $0 / $1 })
            print(String(format: "ablation     from layer %d (%@ and the LM head, then the loss): best %.3f s = %.2f × its sgemm bound %.3f s, %.0f%% of the sgemm rate (median of the runs' ratios %.2f)",
                         layer, layer == last ? "that layer" : "layers \(layer)…\(last)", best, best / boundBest, boundBest,
                         100 * boundBest / best, paired))
        }
    }

    /// The middle value (the upper one of an even count).
    private static func median(_ values: [Double]) -> Double {
        values.sorted()[values.count / 2]
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

/// The sgemms of a plain prefill's projections over `rows` rows — the in_proj, out_proj, gate/up
/// and down of every layer in `layers` (all by default), then the LM head — with weights as
/// loaded and zero inputs. Each
/// measurement writes into one output buffer allocated (and faulted in) before the clock starts
/// and freed after it, so only the products are timed and the bound adds nothing to the peak
/// memory of the prefills.
private struct ProjectionBound {
    private let rows: Int
    private let products: [(input: Matrix, weight: Matrix)]

    init(model: HymbaModel, rows: Int, layers: Range<Int>? = nil) {
        let c = model.config
        var products: [(Matrix, Matrix)] = []
        let hidden = Matrix(rows: rows, cols: c.hiddenSize), inner = Matrix(rows: rows, cols: c.innerSize)
        for layer in model.weights.layers[layers ?? 0..<c.hiddenLayers] {
            products.append((hidden, layer.inProj))
            products.append((inner, layer.outProj))
            products.append((hidden, layer.gateUp))
            products.append((Matrix(rows: rows, cols: layer.downProj.cols), layer.downProj))
        }
        products.append((hidden, model.weights.lmHead))
        self.rows = rows
        self.products = products
    }

    func seconds() -> Double {
        let widest = products.map(\.weight.rows).max() ?? 0
        let output = UnsafeMutablePointer<Float>.allocate(capacity: rows * widest)
        output.initialize(repeating: 0, count: rows * widest)
        defer { output.deallocate() }
        let start = Date()
        for (input, weight) in products {
            input.storage.withUnsafeBufferPointer { x in
                weight.storage.withUnsafeBufferPointer { w in
                    BLAS.sgemm(transA: false, transB: true, m: rows, n: weight.rows, k: weight.cols,
                               a: x.baseAddress!, lda: input.cols, b: w.baseAddress!, ldb: weight.cols,
                               c: output, ldc: weight.rows)
                }
            }
        }
        return Date().timeIntervalSince(start)
    }
}
