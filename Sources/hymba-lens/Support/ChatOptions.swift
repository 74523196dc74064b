import ArgumentParser
import Foundation
import HymbaKit

/// `--chat FILE [--add-generation-prompt]`: a conversation as the prompt, rendered with the
/// model folder's chat template exactly as Hugging Face's `apply_chat_template(tokenize=True)`
/// renders it — the template writes its own turn markers, so no BOS is added.
///
/// An option group of its own so that any command taking a prompt offers it with one
/// `@OptionGroup` line (PromptOptions includes it; tokenize uses it directly).
struct ChatOptions: ParsableArguments {
    @Option(name: .customLong("chat"),
            help: ArgumentHelp("A chat as JSON: a list of {\"role\", \"content\"} messages, or {\"messages\": [...], \"tools\": [...], \"contexts\": [...]}; rendered with the model's chat template (- = standard input; see docs/chat.md).",
                               valueName: "file"))
    var chat: String?

    @Flag(name: .customLong("add-generation-prompt"),
          help: "With --chat: end the prompt with the assistant's turn opener, ready for the model's reply.")
    var addGenerationPrompt = false

    func validate() throws {
        if addGenerationPrompt && chat == nil {
            throw ValidationError("--add-generation-prompt only applies to --chat")
        }
    }

    /// The chat file rendered with `directory`'s chat template and tokenized by `tokenizer`.
    ///
    /// The file is read and checked before the template is loaded, so a bad chat file is named
    /// even when the folder has no template.
    func render(directory: URL, tokenizer: Tokenizer) throws -> RenderedChat {
        guard let chat else { throw CLIError("internal: no --chat file") }
        let file = try ChatFile.read(path: chat)
        let template = try ChatTemplate(directory: directory, forTools: file.hasTools)
        return try template.encode(file, addGenerationPrompt: addGenerationPrompt, tokenizer: tokenizer)
    }
}
