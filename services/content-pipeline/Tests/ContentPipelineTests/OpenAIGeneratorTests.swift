import AsyncHTTPClient
import ContentAPI
import Foundation
import LumaRPC
import NIOConcurrencyHelpers
import NIOCore
import Testing
@testable import ContentPipeline
@testable import ContentPipelineAdapters

/// The OpenAI-compatible generator against a local fake server speaking the same API.
@Suite("OpenAI-compatible script generator")
struct OpenAIGeneratorTests {
    static let input = GenerationInput(postDate: "2026-12-01", mode: .bible, language: "en", verseReference: "Psalms 23:1",
                                       verseText: "The LORD is my shepherd; I shall not want.", topic: "comfort")

    static func answer(reference: String = "Psalms 23:1", meditation: String = "Breathe in and rest in the shepherd's care for a minute.",
                       camera: String? = nil, reflection: String? = nil) -> String {
        let object: [String: String] = [
            "camera_script": camera ?? "Read slowly: \"The LORD is my shepherd; I shall not want.\" (\(reference))",
            "devotional_reflection": reflection ?? "\(reference) reminds us that we are cared for. Let that comfort you today.",
            "meditation_script": meditation,
            "background_prompt": "Green pasture at dawn, soft light, 9:16 vertical",
        ]
        return String(data: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), encoding: .utf8)!
    }

    /// A generator against `server`, recording its backoff pauses instead of sleeping.
    func generator(_ server: FakeChatServer, key: String? = nil, attempts: Int = 3, timeout: TimeAmount = .seconds(10),
                   prompts: PromptLibrary? = nil, pauses: NIOLockedValueBox<[TimeAmount]> = .init([])) throws -> OpenAIScriptGenerator {
        var configuration = OpenAIScriptGenerator.Configuration(url: server.url, model: "test-model", apiKey: key)
        configuration.attempts = attempts
        configuration.timeout = timeout
        return try OpenAIScriptGenerator(configuration: configuration, prompts: prompts ?? PromptLibrary(),
                                         pause: { amount in pauses.withLockedValue { $0.append(amount) } })
    }

    func withServer<T>(_ answer: @escaping @Sendable (Int, FakeChatServer.Received) -> FakeChatServer.Reply,
                       _ body: (FakeChatServer) async throws -> T) async throws -> T {
        let server = FakeChatServer(answer: answer)
        try await server.start()
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    @Test func aGoodAnswerBecomesTheFourScriptsAndTheRequestCarriesThePrompts() async throws {
        try await withServer({ _, _ in .content(Self.answer()) }) { server in
            let scripts = try await generator(server, key: "sk-test").scripts(for: Self.input)
            #expect(scripts.cameraScript.contains("Psalms 23:1"))
            #expect(scripts.backgroundPrompt.hasPrefix("Green pasture"))
            let request = try #require(server.received.withLockedValue { $0.first })
            #expect(request.path == "/v1/chat/completions")
            #expect(request.authorization == "Bearer sk-test")
            #expect(request.body["model"] as? String == "test-model")
            #expect(request.messages.count == 2)
            #expect(request.messages[0].contains("English"))
            #expect(request.messages[1].contains("Psalms 23:1") && request.messages[1].contains("The LORD is my shepherd"))
            #expect(request.messages[1].contains("God's comfort"))
        }
    }

    @Test func aFencedAnswerWithProseAroundItIsParsed() async throws {
        try await withServer({ _, _ in .content("Here you go:\n```json\n\(Self.answer())\n```\nBlessings!") }) { server in
            let scripts = try await generator(server).scripts(for: Self.input)
            #expect(scripts.meditationScript.hasPrefix("Breathe in"))
        }
    }

    @Test func aServerErrorIsRetriedWithBackoff() async throws {
        let pauses = NIOLockedValueBox<[TimeAmount]>([])
        try await withServer({ number, _ in number < 3 ? .status(503, "loading model") : .content(Self.answer()) }) { server in
            _ = try await generator(server, pauses: pauses).scripts(for: Self.input)
            #expect(server.received.withLockedValue { $0.count } == 3)
        }
        let waits = pauses.withLockedValue { $0 }
        #expect(waits.count == 2)
        #expect(waits[0] >= .milliseconds(500) && waits[0] <= .milliseconds(625))
        #expect(waits[1] >= .milliseconds(1000) && waits[1] <= .milliseconds(1250))
    }

    @Test func aRefusedRequestFailsAtOnceSayingWhy() async throws {
        try await withServer({ _, _ in .status(401, #"{"error":"invalid api key"}"#) }) { server in
            let error = await #expect(throws: RPCError.self) { try await generator(server).scripts(for: Self.input) }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("HTTP 401") == true)
            #expect(error?.message.contains("invalid api key") == true)
            #expect(server.received.withLockedValue { $0.count } == 1)
        }
    }

    @Test(arguments: [
        (FakeChatServer.Reply.status(200, "not json at all"), "malformed chat-completions answer"),
        (.content("I cannot help with that."), "not a JSON object with the four scripts"),
        (.content(OpenAIGeneratorTests.answer(meditation: "")), "meditation_script is missing"),
        (.content(OpenAIGeneratorTests.answer(meditation: String(repeating: "rest ", count: 400))), "meditation_script has 1999 characters"),
        (.content(OpenAIGeneratorTests.answer(reference: "John 3:16")), "neither camera_script nor devotional_reflection names Psalms 23:1"),
        (.content(OpenAIGeneratorTests.answer(meditation: "Rest, and remember John 3:16 as you breathe.")), "the scripts name another reference, 'John 3:16'"),
    ])
    func unusableAnswersAreRetriedThenFailTheItem(reply: FakeChatServer.Reply, reason: String) async throws {
        try await withServer({ _, _ in reply }) { server in
            let error = await #expect(throws: RPCError.self) { try await generator(server).scripts(for: Self.input) }
            #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("after 3 attempts") == true)
            #expect(server.received.withLockedValue { $0.count } == 3)
        }
    }

    /// The template generator's inputs reach the prompt: the editors' note, the season, and
    /// the openings of the days before.
    @Test func thePromptCarriesTheNoteTheSeasonAndTheRecentOpenings() async throws {
        let input = GenerationInput(postDate: "2027-03-26", mode: .bible, language: "en", verseReference: "Psalms 23:1",
                                    verseText: "The LORD is my shepherd; I shall not want.", topic: "comfort",
                                    note: "David sings of a God who guards his people like a shepherd.", season: "good-friday",
                                    recentOpenings: ["These words have steadied people for generations."])
        try await withServer({ _, _ in .content(Self.answer()) }) { server in
            _ = try await generator(server).scripts(for: input)
            let prompt = try #require(server.received.withLockedValue { $0.first }).messages[1]
            #expect(prompt.contains("David sings of a God who guards his people like a shepherd."))
            #expect(prompt.contains("(Good Friday)"))
            #expect(prompt.contains("- These words have steadied people for generations."))
        }
    }

    /// The rules the template generator keeps refuse a free answer that breaks them.
    @Test(arguments: [
        ("en", OpenAIGeneratorTests.answer(reflection: "Psalms 23:1 says: The LORD is my shepherd; I shall not want. Rest in it."),
         "devotional_reflection quotes the verse"),
        ("en", OpenAIGeneratorTests.answer(camera: "The LORD is my shepherd; I shall not want. Psalms 23:1. Again: The LORD is my shepherd; I shall not want."),
         "camera_script reads the verse 2 times"),
        ("en", OpenAIGeneratorTests.answer(reflection: "These words have steadied people for generations. Psalms 23:1 is for you."),
         "devotional_reflection opens like a script of the last 7 days"),
        ("es", OpenAIGeneratorTests.answer(reference: "Salmos 23:1", camera: "Lee: Jehová es mi pastor; nada me faltará. (Salmos 23:1) Él fué fiel.",
                                           reflection: "Salmos 23:1 nos recuerda que Dios nos cuida. Descansa hoy en él."),
         "old spelling: fué"),
    ])
    func answersBreakingTheContentRulesAreRefused(language: String, answer: String, reason: String) async throws {
        let input = GenerationInput(postDate: "2027-07-01", mode: .bible, language: language,
                                    verseReference: language == "es" ? "Salmos 23:1" : "Psalms 23:1",
                                    verseText: language == "es" ? "Jehová es mi pastor; nada me faltará." : "The LORD is my shepherd; I shall not want.",
                                    topic: "comfort", recentOpenings: ["These words have steadied people for generations."])
        try await withServer({ _, _ in .content(answer) }) { server in
            let error = await #expect(throws: RPCError.self) { try await generator(server, attempts: 1).scripts(for: input) }
            #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        }
    }

    @Test func aSilentServerTimesOut() async throws {
        try await withServer({ _, _ in .hang }) { server in
            let error = await #expect(throws: RPCError.self) {
                try await generator(server, attempts: 2, timeout: .milliseconds(200)).scripts(for: Self.input)
            }
            #expect(error?.message.contains("no answer within 200 ms") == true, "\(error?.message ?? "")")
            #expect(server.received.withLockedValue { $0.count } == 2)
        }
    }

    @Test func anEditorsPromptFileReplacesTheBundledOne() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("luma-prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "Custom prompt for {reference} on {date}.".write(to: directory.appendingPathComponent("bible.en.txt"), atomically: true, encoding: .utf8)
        try await withServer({ _, _ in .content(Self.answer()) }) { server in
            _ = try await generator(server, prompts: try PromptLibrary(overrides: directory.path)).scripts(for: Self.input)
            let request = try #require(server.received.withLockedValue { $0.first })
            #expect(request.messages[1] == "Custom prompt for Psalms 23:1 on 2026-12-01.")
            #expect(request.messages[0].contains("JSON object"))     // system.txt still the bundled one
        }
        #expect(throws: RPCError.self) { try PromptLibrary(overrides: "/nonexistent/prompts") }
    }

    /// Through the service: an item whose generation fails stays empty and is reported, the
    /// rest of the range is generated.
    @Test func aFailedItemStaysEmptyAndIsReported() async throws {
        try await withServer({ _, request in
            request.messages[1].contains("2026-12-02") || request.messages[1].contains("Psalms 119:2")
                ? .status(500, "boom") : .content(Self.answer(reference: Self.reference(in: request)))
        }) { server in
            let verses = StubVerses()
            let base = try Pipeline()
            let service = ContentPipelineService(database: base.database, verses: verses, creators: base.creators,
                                                 generator: try generator(server, attempts: 2))
            _ = try await service.plan(.with { $0.fromDate = "2026-12-01"; $0.toDate = "2026-12-03"; $0.modes = [.bible] }, context: base.context)
            let result = try await service.generate(.with { $0.range = .with { $0.fromDate = "2026-12-01"; $0.toDate = "2026-12-03" } },
                                                    context: base.context)
            #expect(result.generated == 2)
            #expect(result.failures.count == 1)
            let failure = try #require(result.failures.first)
            #expect(failure.reason.contains("HTTP 500: boom (after 2 attempts)"))
            #expect(failure.code == UInt32(RPCStatusCode.unavailable.rawValue))
            let failed = try await service.get(.with { $0.id = failure.id }, context: base.context)
            #expect(failed.status == .empty && failed.cameraScript.isEmpty)
        }
    }

    /// The stub's references are "Psalms 119:N"; the fake answers with the one it was given.
    static func reference(in request: FakeChatServer.Received) -> String {
        let user = request.messages.last ?? ""
        return user.firstMatch(of: /Psalms 119:\d+/).map { String($0.output) } ?? "Psalms 23:1"
    }
}
