import Foundation

/// Next-token negative log-likelihood from the logits of a prompt: the loss the model was
/// trained on, used to check a checkpoint against its card and to score ablations.
public enum NextTokenLoss {
    /// `−log softmax(logits[t])[ids[t+1]]` for t = 0 … n−2 (log-sum-exp in Double).
    public static func perToken(logits: Matrix, ids: [Int]) -> [Double] {
        precondition(logits.rows == ids.count, "one logit row per token")
        guard ids.count > 1 else { return [] }
        let vocab = logits.cols
        return logits.storage.withUnsafeBufferPointer { buffer in
            (0..<(ids.count - 1)).map { t in
                let row = buffer.baseAddress! + t * vocab
                var maxLogit = -Float.infinity
                for j in 0..<vocab where row[j] > maxLogit { maxLogit = row[j] }
                var sum = 0.0
                for j in 0..<vocab { sum += Foundation.exp(Double(row[j] - maxLogit)) }
                return Double(maxLogit) + Foundation.log(sum) - Double(row[ids[t + 1]])
            }
        }
    }

    /// Mean of `perToken` (NaN for a one-token prompt).
    public static func mean(logits: Matrix, ids: [Int]) -> Double {
        let losses = perToken(logits: logits, ids: ids)
        return losses.isEmpty ? .nan : losses.reduce(0, +) / Double(losses.count)
    }
}
