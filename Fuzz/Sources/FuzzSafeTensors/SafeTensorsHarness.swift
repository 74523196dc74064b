import Foundation
import FuzzSupport
import HymbaKit

/// A checkpoint's `model.safetensors` from arbitrary bytes, read the way `inspect`, `trace` and
/// every analysis read a model folder: the header checked whole, then every tensor widened, and
/// finally the weights loaded against the micro model's config (names, shapes, dtypes).
private let folder: URL = {
    let url = FuzzSupport.scratch.appendingPathComponent("checkpoint")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    _ = try? FileManager.default.copyItem(at: FuzzSupport.microModel.appendingPathComponent("config.json"),
                                          to: url.appendingPathComponent("config.json"))
    return url
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let url = FuzzSupport.write(FuzzSupport.data(bytes, count), to: "model.safetensors", in: folder)
    guard let file = try? SafeTensorsFile(path: url.path) else { return 0 }
    for name in file.names {
        _ = try? file.floats(name)
        _ = try? file.integers(name)
    }
    _ = file.metadata
    if let checkpoint = try? Checkpoint(directory: folder) {
        _ = try? HymbaWeights(checkpoint: checkpoint)
    }
    return 0
}
