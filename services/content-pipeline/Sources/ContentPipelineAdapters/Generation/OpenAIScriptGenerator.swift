import AsyncHTTPClient
import ContentPipeline
import Foundation
import LumaRPC
import Logging
import NIOCore
import NIOHTTP1

/// Writes scripts with an OpenAI-compatible chat-completions API (llama.cpp's server, Ollama,
/// vLLM and hosted services speak it), through AsyncHTTPClient. Each item is one request with
/// the prompts of `PromptLibrary`, asking for a JSON object with the four scripts; the answer
/// is parsed, checked by `ScriptValidator`, and on a transient failure (connection, timeout,
/// HTTP 429 or 5xx, a malformed or unusable answer) asked again with exponential backoff. A
/// failure that persists fails the item with the reason; the item stays `empty`.
public struct OpenAIScriptGenerator: ScriptGenerator {
    public struct Configuration: Sendable {
        /// The API base ("http://127.0.0.1:8080/v1") or the full chat-completions URL.
        public var url: String
        public var model: String
        /// Sent as a bearer token when set (LUMA_GENERATOR_API_KEY).
        public var apiKey: String?
        /// Per request.
        public var timeout: TimeAmount = .seconds(60)
        /// Requests per item, the first included.
        public var attempts = 3
        /// Wait before the second attempt; doubled for each further one, with jitter.
        public var backoff: TimeAmount = .milliseconds(500)
        public var temperature = 0.7

        public init(url: String, model: String, apiKey: String? = nil) {
            self.url = url
            self.model = model
            self.apiKey = apiKey
        }

        /// The endpoint requests go to.
        var endpoint: String {
            let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
            return trimmed.hasSuffix("/chat/completions") ? trimmed : trimmed + "/chat/completions"
        }
    }

    let configuration: Configuration
    let prompts: PromptLibrary
    let packs: [String: LanguagePack]
    let client: HTTPClient
    let logger: Logger
    /// Waits between attempts; tests pass one that does not sleep.
    let pause: @Sendable (TimeAmount) async throws -> Void

    public init(configuration: Configuration, prompts: PromptLibrary, client: HTTPClient = .shared,
                packs: [String: LanguagePack] = LanguagePack.bundled, logger: Logger = Logger(label: "luma.generator"),
                pause: @escaping @Sendable (TimeAmount) async throws -> Void = { try await Task.sleep(nanoseconds: UInt64($0.nanoseconds)) }) throws {
        guard let url = URL(string: configuration.endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw RPCError.invalidArgument("--generator-url '\(configuration.url)' is not an http(s) URL", field: "generator-url")
        }
        guard !configuration.model.isEmpty else {
            throw RPCError.invalidArgument("--generator-model is required with --generator openai", field: "generator-model")
        }
        self.configuration = configuration
        self.prompts = prompts
        self.client = client
        self.packs = packs
        self.logger = logger
        self.pause = pause
    }

    /// Why one attempt failed, and whether another may succeed.
    struct AttemptFailure: Error {
        let reason: String
        let retryable: Bool
    }

    public func scripts(for input: GenerationInput) async throws -> GeneratedScripts {
        guard let pack = packs[input.language] else {
            throw RPCError.failedPrecondition("no language pack for '\(input.language)'", field: "language")
        }
        let messages = try prompts.messages(for: input, pack: pack)
        var failure = AttemptFailure(reason: "not attempted", retryable: false)
        for attempt in 1...max(1, configuration.attempts) {
            if attempt > 1 {
                let doubled = configuration.backoff.nanoseconds << (attempt - 2)
                try await pause(.nanoseconds(doubled + Int64.random(in: 0...max(1, doubled / 4))))
            }
            do {
                return try await attemptOnce(messages, input: input, pack: pack)
            } catch let error as AttemptFailure {
                failure = error
                logger.warning("generator attempt failed", metadata: [
                    "attempt": "\(attempt)", "post_date": "\(input.postDate)", "reason": "\(error.reason)"])
                if !error.retryable { break }
            }
        }
        throw RPCError.unavailable("generator \(configuration.endpoint): \(failure.reason)"
            + (failure.retryable ? " (after \(configuration.attempts) attempts)" : ""))
    }

    func attemptOnce(_ messages: (system: String, user: String), input: GenerationInput, pack: LanguagePack? = nil) async throws -> GeneratedScripts {
        var request = HTTPClientRequest(url: configuration.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key = configuration.apiKey, !key.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        let body = ChatRequest(model: configuration.model, messages: [
            .init(role: "system", content: messages.system), .init(role: "user", content: messages.user),
        ], temperature: configuration.temperature, responseFormat: .init(type: "json_object"))
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder.snakeCase.encode(body)))

        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: configuration.timeout)
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw AttemptFailure(reason: "no answer within \(configuration.timeout.nanoseconds / 1_000_000) ms", retryable: true)
        } catch {
            throw AttemptFailure(reason: "request failed: \(error)", retryable: true)
        }
        let text = String(buffer: bytes)
        guard response.status == .ok else {
            let code = response.status.code
            let retryable = code == 408 || code == 429 || code >= 500
            throw AttemptFailure(reason: "HTTP \(code): \(text.prefix(200))", retryable: retryable)
        }
        let content: String
        do {
            let answer = try JSONDecoder.snakeCase.decode(ChatResponse.self, from: Data(text.utf8))
            guard let first = answer.choices.first?.message.content else { throw AttemptFailure(reason: "", retryable: true) }
            content = first
        } catch {
            throw AttemptFailure(reason: "malformed chat-completions answer: \(text.prefix(120))", retryable: true)
        }
        guard let scripts = Self.parseScripts(content) else {
            throw AttemptFailure(reason: "the answer is not a JSON object with the four scripts: \(content.prefix(120))", retryable: true)
        }
        if let problem = ScriptValidator.problem(scripts, for: input, pack: pack) {
            throw AttemptFailure(reason: "unusable answer: \(problem)", retryable: true)
        }
        return scripts
    }

    /// The four scripts from the model's text: a JSON object, possibly inside a ``` fence or
    /// surrounded by prose.
    static func parseScripts(_ content: String) -> GeneratedScripts? {
        guard let open = content.firstIndex(of: "{"), let close = content.lastIndex(of: "}"), open < close else { return nil }
        return try? JSONDecoder.snakeCase.decode(GeneratedScripts.self, from: Data(content[open...close].utf8))
    }

    // MARK: Wire types (the subset of the chat-completions API used)

    struct ChatRequest: Encodable {
        struct Message: Codable {
            let role: String
            let content: String?
        }
        struct ResponseFormat: Encodable {
            let type: String
        }
        let model: String
        let messages: [Message]
        let temperature: Double
        let responseFormat: ResponseFormat
    }

    struct ChatResponse: Decodable {
        struct Choice: Decodable {
            let message: ChatRequest.Message
        }
        let choices: [Choice]
    }
}
