/// How many weights a viewer page embeds, known before the model runs.
///
/// ```
/// per map    = n·M + n(n+1)/2      real-token query rows over the meta keys and the keys u ≤ t
/// weights    = layers · H · 2 · per map      (attention and SSM)
/// page bytes ≈ weights · 2 · 4/3             (16-bit codes, base64)
/// ```
/// The default cap, 2²³ = 8 388 608 weights, is a page of about 22 MB, which a browser opens in a
/// second or two: all six layers of the bundled model up to about 550 prompt tokens, or 2 of
/// Hymba-1.5B's 32 layers (25 heads, 128 meta tokens) at about 300 tokens.
public enum ViewerSize {
    public static let defaultMaximumWeights = 1 << 23

    /// Weights in one head's map for `n` real tokens and `metaCount` meta tokens.
    public static func weightsPerMap(tokens n: Int, metaCount: Int) -> Int {
        n * metaCount + n * (n + 1) / 2
    }

    public static func weights(tokens n: Int, metaCount: Int, heads: Int, layers: Int) -> Int {
        layers * heads * 2 * weightsPerMap(tokens: n, metaCount: metaCount)
    }

    /// Approximate page size in bytes.
    public static func pageBytes(weights: Int) -> Int { weights / 3 * 8 }

    /// - Throws: `ViewerError.tooLarge` above `maximum`, with what to change.
    public static func check(tokens n: Int, metaCount: Int, heads: Int, layers: Int, maximum: Int = defaultMaximumWeights) throws {
        let needed = weights(tokens: n, metaCount: metaCount, heads: heads, layers: layers)
        guard needed > maximum else { return }
        throw ViewerError.tooLarge(weights: needed, maximum: maximum, tokens: n, layers: layers, heads: heads)
    }
}
