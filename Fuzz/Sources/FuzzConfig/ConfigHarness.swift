import Foundation
import FuzzSupport
import HymbaKit

/// `config.json` from arbitrary bytes: decoded and validated as `Checkpoint` does, then every
/// derived size and per-layer query the forward pass and `inspect` make.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let config = try? HymbaConfig(json: FuzzSupport.data(bytes, count)) else { return 0 }
    _ = (config.innerSize, config.headDim, config.valueHeadDim, config.dtRank, config.vocabSize)
    for layer in 0..<min(config.hiddenLayers, 4096) {
        _ = config.isGlobal(layer: layer)
        _ = config.kvRole(layer: layer)
    }
    return 0
}
