import ArgumentParser
import Foundation
import HymbaKit

/// One prompt (`--ids`, `--text`, `--text-file`) or a prompt set (`--prompts`), for the
/// analyses that read one prompt or average over many.
struct PromptOrSetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Comma-separated token ids, e.g. 1,450,4996 (include the BOS id 1 yourself).", valueName: "ids"))
    var ids: String?

    @Option(help: ArgumentHelp("Text to tokenize with the model's tokenizer.json (the BOS is added).", valueName: "text"))
    var text: String?

    @Option(name: .customLong("text-file"), help: ArgumentHelp("A UTF-8 text file to tokenize as one prompt (- = standard input).", valueName: "file"))
    var textFile: String?

    @Option(help: ArgumentHelp("Prompt set: UTF-8 text, passages separated by empty lines (each tokenized with BOS); the result is the mean over them.", valueName: "file"))
    var prompts: String?

    @OptionGroup var limits: CorpusLimits

    func validate() throws {
        let given = [ids != nil, text != nil, textFile != nil, prompts != nil].filter { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of --ids, --text, --text-file or --prompts") }
        if prompts == nil && (limits.maxPassages != nil || limits.maxTokens != nil) {
            throw ValidationError("--max-passages and --max-tokens apply to --prompts")
        }
    }

    var isSet: Bool { prompts != nil }

    /// The prompts' ids (one for a single prompt) and, for a single prompt, its token strings.
    func resolve(modelDirectory: URL) throws -> (prompts: [[Int]], tokens: [String]?) {
        if let prompts {
            let set = try PromptSet(contentsOf: URL(fileURLWithPath: prompts))
            let tokenizer = try Tokenizer(directory: modelDirectory)
            let passages = set.passages.prefix(limits.maxPassages ?? Int.max)
            return (passages.map { Array(tokenizer.encode($0).prefix(limits.maxTokens ?? Int.max)) }, nil)
        }
        var arguments: [String] = []
        if let ids { arguments = ["--ids", ids] }
        if let text { arguments = ["--text=\(text)"] }
        if let textFile { arguments = ["--text-file", textFile] }
        let (ids, tokens) = try PromptOptions.parse(arguments).resolve(modelDirectory: modelDirectory)
        return ([ids], tokens)
    }
}
