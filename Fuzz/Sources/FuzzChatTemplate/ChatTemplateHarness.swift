import Foundation
import FuzzSupport
import HymbaKit

/// A chat template (the `chat_template` string of a tokenizer_config.json) from arbitrary text,
/// parsed and rendered the way `tokenize --chat` renders one: over a fixed chat with a system
/// turn, tool and assistant turns, tools and contexts, with and without the generation prompt.
/// The interpreter's limits must stop every template within the per-input time limit.
private let chat: ChatFile = {
    let json = #"""
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris?"},
                  {"role": "assistant", "content": "Let me check."}, {"role": "tool", "content": "{\"temp\": 21}"},
                  {"role": "user", "content": " thanks é 猫 🦙 "}],
     "tools": [{"name": "weather", "description": "current weather", "parameters": {"city": {"type": "string"}}}],
     "contexts": ["Paris is in France.", ""]}
    """#
    do { return try ChatFile(data: Data(json.utf8)) } catch { fatalError("fuzz setup: \(error)") }
}()

private let specialTokens = ["bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "[PAD]"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChatTemplate(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    guard let template = try? ChatTemplate(source: source, specialTokens: specialTokens) else { return 0 }
    _ = try? template.render(chat, addGenerationPrompt: true)
    _ = try? template.render(chat, addGenerationPrompt: false)
    return 0
}
