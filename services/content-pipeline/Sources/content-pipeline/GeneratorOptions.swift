import ArgumentParser
import ContentPipeline
import ContentPipelineAdapters
import Foundation
import Logging
import LumaRPC
import NIOCore

/// Which script generator the service uses, and how it reaches an LLM.
struct GeneratorOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case template, openai
    }

    @Option(help: "Script generator: template (built in, deterministic) or openai (an OpenAI-compatible chat-completions API; key from LUMA_GENERATOR_API_KEY).")
    var generator: Kind = .template

    @Option(help: "With --generator openai: the API base, e.g. http://127.0.0.1:8080/v1 (llama.cpp), http://127.0.0.1:11434/v1 (Ollama).")
    var generatorURL: String?

    @Option(help: "With --generator openai: the model name the API expects.")
    var generatorModel: String?

    @Option(help: "A directory whose system.txt and <mode>.<language>.txt replace the bundled prompts (docs/content.md).")
    var generatorPrompts: String?

    @Option(help: "Seconds to wait for one generator answer.")
    var generatorTimeout = 60

    @Option(help: "Requests per item before it fails (transient errors and unusable answers are retried with backoff).")
    var generatorAttempts = 3

    func validate() throws {
        guard (1...600).contains(generatorTimeout) else { throw ValidationError("--generator-timeout must be 1-600 seconds") }
        guard (1...10).contains(generatorAttempts) else { throw ValidationError("--generator-attempts must be 1-10") }
        if generator == .openai {
            guard generatorURL != nil else { throw ValidationError("--generator openai needs --generator-url") }
            guard generatorModel != nil else { throw ValidationError("--generator openai needs --generator-model") }
        } else if generatorURL != nil || generatorModel != nil {
            throw ValidationError("--generator-url and --generator-model need --generator openai")
        }
    }

    func generator(seed: UInt64, logger: Logger) throws -> (any ScriptGenerator)? {
        guard generator == .openai, let url = generatorURL, let model = generatorModel else { return nil }
        var configuration = OpenAIScriptGenerator.Configuration(
            url: url, model: model, apiKey: ProcessInfo.processInfo.environment["LUMA_GENERATOR_API_KEY"])
        configuration.timeout = .seconds(Int64(generatorTimeout))
        configuration.attempts = generatorAttempts
        do {
            return try OpenAIScriptGenerator(configuration: configuration, prompts: PromptLibrary(overrides: generatorPrompts), logger: logger)
        } catch let error as RPCError {
            throw ValidationError(error.message)
        }
    }
}
