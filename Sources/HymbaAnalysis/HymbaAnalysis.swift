import HymbaKit

/// HymbaAnalysis: pure analyses over recordings and streaming reducers for corpus runs.
public enum HymbaAnalysisInfo {
    public static let version = HymbaKitInfo.version
}
