import Foundation
import FuzzSupport
import HymbaKit

/// `model.safetensors.index.json` from arbitrary bytes, in a folder with the micro model's
/// config and its weights as the one shard the index may name (`model.safetensors`), loaded as
/// a sharded checkpoint (the index must not escape the folder or name missing tensors).
private let folder: URL = {
    let url = FuzzSupport.scratch.appendingPathComponent("sharded")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for name in ["config.json", "model.safetensors"] {
        _ = try? FileManager.default.copyItem(at: FuzzSupport.microModel.appendingPathComponent(name), to: url.appendingPathComponent(name))
    }
    return url
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShardIndex(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = FuzzSupport.write(FuzzSupport.data(bytes, count), to: "model.safetensors.index.json", in: folder)
    if let checkpoint = try? Checkpoint(directory: folder) {
        for name in checkpoint.tensorNames { _ = checkpoint.info(name) }
        _ = try? HymbaWeights(checkpoint: checkpoint)
    }
    return 0
}
