import Foundation
import FuzzSupport
import HymbaKit

/// `tokenizer.json` (and, after the first NUL byte, `tokenizer_config.json`) from arbitrary
/// bytes, loaded as a model folder's tokenizer; a tokenizer that loads then encodes and decodes
/// a fixed text with every special token, so the loaded tables are exercised too.
private let probeText = "<s> Hello, wörld! 猫 🦙\n\t</s><unk>[PAD] ▁x"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = UnsafeBufferPointer(start: bytes, count: count)
    let split = input.firstIndex(of: 0)
    let tokenizerJSON = Data(input[..<(split ?? count)])
    let configJSON = split.map { Data(input[($0 + 1)...]) }
    guard let tokenizer = try? Tokenizer(tokenizerJSON: tokenizerJSON, tokenizerConfigJSON: configJSON) else { return 0 }
    let ids = tokenizer.encode(probeText)
    _ = tokenizer.decode(ids)
    _ = tokenizer.decode(ids, skipSpecialTokens: false)
    _ = tokenizer.tokenStrings(ids)
    return 0
}
