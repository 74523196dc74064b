import Foundation
import FuzzSupport
import HymbaKit

/// A chat file (`--chat FILE`) from arbitrary bytes, parsed, rendered with the bundled model's
/// real chat template (Hymba-1.5B-Instruct's) and tokenized as `tokenize --chat` does.
private let folder = FuzzSupport.repositoryRoot.appendingPathComponent("models/hymba-tiny")
private let template: ChatTemplate = {
    do { return try ChatTemplate(directory: folder) } catch { fatalError("fuzz setup: \(error)") }
}()
private let tokenizer: Tokenizer = {
    do { return try Tokenizer(directory: folder) } catch { fatalError("fuzz setup: \(error)") }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChatFile(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let chat = try? ChatFile(data: FuzzSupport.data(bytes, count)) else { return 0 }
    _ = try? template.encode(chat, addGenerationPrompt: count % 2 == 0, tokenizer: tokenizer)
    return 0
}
