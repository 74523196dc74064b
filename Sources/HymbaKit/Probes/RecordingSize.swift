import Foundation

/// How many bytes a recording will hold, known from the plan and the prompt length before the
/// model runs — so a plan that cannot fit in memory (`all` on a long prompt stores two H×T×T
/// maps per layer) is refused up front with its size, instead of running until the machine
/// starts swapping or the process is killed.
public enum RecordingSize {
    /// Bytes of every tensor `plan` records for a prompt of `tokens` real tokens.
    public static func bytes(of plan: RecordingPlan, config c: HymbaConfig, tokens n: Int) -> Int {
        let t = c.memoryTokens + n, e = c.innerSize, h = c.attentionHeads
        var floats = 0
        if plan.wants(.logits) { floats += n * c.vocabSize }
        if plan.wants(.inputIDs) { floats += 2 * n }            // int64
        for layer in 0..<c.hiddenLayers {
            for point in HookPoint.allCases where plan.wants(point, layer: layer) {
                let perLayer: Int
                switch point {
                case .attnProbs, .ssmAttn:
                    perLayer = (plan.heads(point, layer: layer, headCount: h)?.count ?? h) * t * t
                case .ssmAttnChannels: perLayer = plan.ssmAttentionChannels.count * t * t
                case .hidden: perLayer = t * c.hiddenSize
                case .attnOut: perLayer = t * h * c.valueHeadDim
                case .ssmOut, .ssmStateNorm, .ssmX, .ssmDt, .ssmGate: perLayer = t * e
                case .ssmFinalState: perLayer = e * c.stateSize
                case .ssmB, .ssmC: perLayer = t * c.stateSize
                case .attnHeadNorm, .ssmHeadNorm: perLayer = t * h
                case .branchRMS: perLayer = t * 4
                case .attnMass, .ssmMass: perLayer = h * 4
                case .metaAttnReceived: perLayer = h * c.memoryTokens
                case .attnEntropy, .ssmEntropy: perLayer = h
                case .attnDistance, .ssmDistance: perLayer = h * 2
                }
                floats += perLayer
            }
        }
        return floats * 4
    }

    /// The memory this machine has free for new data (`MemAvailable`), or nil where unknown.
    public static func availableMemory() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// Throws when the recording would need more than three quarters of the free memory (the
    /// model's weights and working buffers need the rest).
    public static func check(_ plan: RecordingPlan, config: HymbaConfig, tokens: Int, available: Int? = availableMemory()) throws {
        let needed = bytes(of: plan, config: config, tokens: tokens)
        guard let available, needed > available / 4 * 3 else { return }
        throw ProbeError.recordingTooLarge(plan: plan.specification, bytes: needed, available: available)
    }
}
