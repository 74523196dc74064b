/// HymbaKit: Hymba checkpoints, tokenizer, the exact fp32 forward pass and its hook points.
///
/// Version string written into every recording's manifest.
public enum HymbaKitInfo {
    public static let version = "0.1.0"
}
