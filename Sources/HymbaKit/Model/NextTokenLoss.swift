import CKernels
import Foundation

/// Next-token negative log-likelihood from the logits of a prompt: the loss the model was
/// trained on, used to check a checkpoint against its card and to score ablations.
public enum NextTokenLoss {
    /// `−log softmax(logits[t])[ids[t+1]]` for t = 0 … n−2, rows in parallel.
    public static func perToken(logits: Matrix, ids: [Int]) -> [Double] {
        precondition(logits.rows == ids.count, "one logit row per token")
        guard ids.count > 1 else { return [] }
        let vocab = logits.cols
        var losses = [Double](repeating: 0, count: ids.count - 1)
        logits.storage.withUnsafeBufferPointer { buffer in
            losses.withUnsafeMutableBufferPointer { out in
                let source = UnsafeSendablePointer(buffer.baseAddress!)
                let target = SharedDoubles(pointer: out.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: out.count) { t in
                    let row = source.pointer + t * vocab
                    target.pointer[t] = SubnormalFlush.scope { logSumExp(row, count: vocab) - Double(row[ids[t + 1]]) }
                }
            }
        }
        return losses
    }

    /// Mean of `perToken` (NaN for a one-token prompt).
    public static func mean(logits: Matrix, ids: [Int]) -> Double {
        let losses = perToken(logits: logits, ids: ids)
        return losses.isEmpty ? .nan : losses.reduce(0, +) / Double(losses.count)
    }

    /// log Σ exp(row) with the maximum subtracted first (the `hl_log_sum_exp` kernel).
    static func logSumExp(_ row: UnsafePointer<Float>, count: Int) -> Double {
        hl_log_sum_exp(KernelLevel.best, row, count)
    }

    private struct SharedDoubles: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Double>
    }
}
