import Foundation
import FuzzSupport
import HymbaKit

/// A `--record` plan from arbitrary text, parsed against the bundled model's config (the first
/// byte's low bit picks the real 1.5B config instead), with SSM channels taken from the second
/// byte as `--ssm-attn-channels` would pass them; a plan that parses is queried at every layer.
private let configs = [
    FuzzSupport.config(FuzzSupport.repositoryRoot.appendingPathComponent("models/hymba-tiny/config.json")),
    FuzzSupport.config(FuzzSupport.repositoryRoot.appendingPathComponent("models/configs/hymba-1.5b-base.json")),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordingPlan(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count >= 2 else { return 0 }
    let config = configs[Int(bytes[0] & 1)]
    let channels = bytes[1] & 0x80 == 0 ? [] : [Int(bytes[1] & 0x7F), Int(bytes[1] & 0x7F) * 3]
    let text = String(decoding: UnsafeBufferPointer(start: bytes + 2, count: count - 2), as: UTF8.self)
    guard let plan = try? RecordingPlan(text, config: config, ssmAttentionChannels: channels) else { return 0 }
    for layer in 0..<config.hiddenLayers {
        for point in HookPoint.allCases {
            _ = plan.wants(point, layer: layer)
            _ = plan.heads(point, layer: layer, headCount: config.attentionHeads)
        }
    }
    _ = plan.summary
    return 0
}
