import ContentAPI
import Foundation
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import NIOConcurrencyHelpers
import Testing
import VersesAPI
@testable import VerseRegistry

/// A content-pipeline stand-in over RPC: answers only ContentExists, for ids it was given.
struct StubContentPipeline: RPCServiceProvider {
    let ids: NIOLockedValueBox<Set<Int64>>

    var serviceDescriptor: RPCServiceDescriptor { Luma_Content_V1_ContentPipelineService.descriptor }

    func registerMethods(with registrar: inout RPCMethodRegistrar) {
        let ids = self.ids
        registrar.register(Luma_Content_V1_ContentPipelineService.Method.contentExists) { request, _ in
            .with { $0.exists = ids.withLockedValue { $0.contains(request.id) } }
        }
    }
}

@Suite("verse-registry as a process", .serialized)
struct VerseRegistryProcessTests {
    func startStubPipeline(ids: Set<Int64> = Set(1...500)) async throws -> (RPCServer, RPCEndpoint) {
        let server = RPCServer(configuration: .init(port: 0), services: [StubContentPipeline(ids: NIOLockedValueBox(ids))])
        let address = try await server.start()
        return (server, RPCEndpoint(host: "127.0.0.1", port: address.port!))
    }

    func claimNext(_ client: Luma_Verses_V1_VerseRegistryClient, _ content: Int64) async throws -> String {
        try await client.claimNextUnused(.with {
            $0.dailyContentID = content
            $0.category = "faith"
            $0.usedDate = "2026-12-01"
        }).reference
    }

    @Test func twoProcessesOnOneDatabaseNeverHandOutTheSameVerse() async throws {
        let (pipeline, pipelineEndpoint) = try await startStubPipeline()
        let (_, path) = try await TemplateDatabase.copy()
        let args = ["--db", path, "--content", pipelineEndpoint.description, "--log-level", "warning", "--insecure-dev"]
        let first = try await ServiceProcess("verse-registry", args)
        let second = try await ServiceProcess("verse-registry", args)
        // Several connections per process: 5 clients x 10 calls, alternating processes.
        let clients = (0..<5).map { index in
            Luma_Verses_V1_VerseRegistryClient(RPCClient(endpoint: index % 2 == 0 ? first.endpoint : second.endpoint))
        }
        let references = try await withThrowingTaskGroup(of: String.self) { group in
            for content in Int64(1)...50 {
                group.addTask { try await claimNext(clients[Int(content) % 5], content) }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(references.count == 50)
        #expect(Set(references).count == 50)

        // Restart keeps every row.
        #expect(await first.stop() == 0)
        #expect(await second.stop() == 0)
        let restarted = try await ServiceProcess("verse-registry", args)
        let client = Luma_Verses_V1_VerseRegistryClient(RPCClient(endpoint: restarted.endpoint))
        let stats = try await client.usageStats(.init())
        #expect(stats.usedVerses >= 50 && stats.contentItems == 50)
        await restarted.stop()
        await pipeline.shutdown()
    }

    @Test func foreignKeyIsCheckedAgainstThePipelineOverRPC() async throws {
        let (pipeline, pipelineEndpoint) = try await startStubPipeline(ids: [1])
        let (_, path) = try await TemplateDatabase.copy()
        let registry = try await ServiceProcess("verse-registry", ["--db", path, "--content", pipelineEndpoint.description, "--insecure-dev"])
        let client = Luma_Verses_V1_VerseRegistryClient(RPCClient(endpoint: registry.endpoint))

        _ = try await client.claimVerse(.with { $0.dailyContentID = 1; $0.reference = "John 3:16"; $0.usedDate = "2026-12-01" })
        let missing = await #expect(throws: RPCError.self) {
            try await client.claimVerse(.with { $0.dailyContentID = 2; $0.reference = "John 3:17"; $0.usedDate = "2026-12-01" })
        }
        #expect(missing?.code == .failedPrecondition)

        await pipeline.shutdown()
        let down = await #expect(throws: RPCError.self) {
            try await client.claimVerse(.with { $0.dailyContentID = 1; $0.reference = "John 3:18"; $0.usedDate = "2026-12-01" })
        }
        #expect(down?.code == .unavailable)
        #expect(try await client.usageStats(.init()).usedVerses == 1)
        await registry.stop()
    }

    @Test func migrationsStatusListsEachMigration() async throws {
        let directory = temporaryDirectory()
        let db = directory + "/verses.sqlite"
        func run(_ arguments: [String]) async throws -> String {
            try await runCommand("verse-registry", arguments).stdout
        }
        // Status never creates the file it is asked about.
        let missing = try await runCommand("verse-registry", ["migrations", "status", "--db", db])
        #expect(missing.status != 0 && missing.stderr.contains("no database at \(db)"))
        #expect(!FileManager.default.fileExists(atPath: db))
        _ = try await run(["migrate", "--db", db])
        let status = try await run(["migrations", "status", "--db", db])
        #expect(status == "applied  001_schema\napplied  002_kjv_text\napplied  003_naves_topical_bible\napplied  004_default_categories\napplied  005_released_content\napplied  006_translation_staging\napplied  007_ranked_picks\napplied  008_rv1909_text\napplied  009_stricter_picks\napplied  010_ledger_per_language\napplied  011_rv1909_corrections\napplied  012_church_year_passages\n")
    }
}
