/// HymbaKit: Hymba checkpoints, tokenizer, the exact fp32 forward pass and its hook points.
public enum HymbaKitInfo {
    /// Written into every recording's manifest so a file says which tool produced it.
    public static let version = "0.1.0"
}
