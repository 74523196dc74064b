import Foundation
import FuzzSupport
import HymbaKit

/// The real Hymba tokenizer (the bundled model's files) on arbitrary input, as `tokenize`
/// takes it: bytes that pass the text-file UTF-8 check are encoded (with and without BOS) and
/// decoded back; the same bytes read as little-endian 16-bit ids go through the id check and
/// `decode`, as `tokenize --decode` does.
private let tokenizer: Tokenizer = {
    do { return try Tokenizer(directory: FuzzSupport.repositoryRoot.appendingPathComponent("models/hymba-tiny")) }
    catch { fatalError("fuzz setup: \(error)") }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenize(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = FuzzSupport.data(bytes, count)
    let file = FuzzSupport.write(data, to: "text.txt")
    if let text = try? readUTF8TextFile(file) {
        let ids = tokenizer.encode(text)
        _ = tokenizer.encode(text, addSpecialTokens: false)
        _ = tokenizer.decode(ids)
        _ = tokenizer.tokenStrings(ids)
    }
    var ids: [Int] = []
    for i in stride(from: 0, to: count - 1, by: 2) { ids.append(Int(bytes[i]) | Int(bytes[i + 1]) << 8) }
    if (try? tokenizer.validate(ids: ids)) != nil {
        _ = tokenizer.decode(ids)
        _ = tokenizer.decode(ids, skipSpecialTokens: false)
    }
    return 0
}
