import ContentAPI
import CreatorsAPI
import Foundation
import LumaAuth
import MediaAPI
import MediaStore
import LumaRPC
import LumaRPCNIO
import LumaServiceKit
import LumaTestSupport
import Testing
import VersesAPI
import ContentPipeline
import CreatorRegistry
import VerseRegistry

/// Every role against every method, with the three services in one process (InProcessStack:
/// the executables' own wiring over the in-process transport).
@Suite("Authentication across the three services", .serialized)
struct AuthAcrossServicesTests {

    func code(_ client: RPCClient, _ method: RPCMethodDescriptor, _ payload: Data = Data()) async -> RPCStatusCode {
        do {
            _ = try await client.call(method, payload: payload)
            return .ok
        } catch {
            return (error as? RPCError)?.code ?? .unknown
        }
    }

    @Test func rolesAgainstEveryMethodTokensAndLogs() async throws {
        let stack = try await InProcessStack(authenticated: true)
        let signer = try #require(stack.signer)
        func client(_ endpoint: RPCEndpoint, token: String?) -> RPCClient {
            stack.client(endpoint, token: token) { $0.maxAttempts = 1 }
        }
        let tokens: [Principal.Role: String] = [
            .admin: signer.mint(Principal(subject: "ops", role: .admin), ttl: 600),
            .service: signer.mint(Principal(subject: "svc", role: .service), ttl: 600),
            .creator: signer.mint(Principal(subject: "grace", role: .creator, creatorID: 1), ttl: 600),
            .app: signer.mint(Principal(subject: "feed", role: .app), ttl: 600),
        ]
        let expired = signer.mint(Principal(subject: "ops", role: .admin), ttl: 1, now: Date(timeIntervalSinceNow: -60))
        let forged = try TokenSigner(key: Data(repeating: 9, count: 32)).mint(Principal(subject: "x", role: .admin), ttl: 600)

        // Pinned expectations for representative methods: who gets through.
        let table: [(RPCMethodDescriptor, RPCEndpoint, Set<Principal.Role>)] = [
            (Luma_Verses_V1_VerseRegistryService.Method.getPassage.descriptor, stack.versesEndpoint, [.admin, .service, .creator, .app]),
            (Luma_Verses_V1_VerseRegistryService.Method.claimVerse.descriptor, stack.versesEndpoint, [.admin, .service]),
            (Luma_Verses_V1_VerseRegistryService.Method.importTranslation.descriptor, stack.versesEndpoint, [.admin]),
            (Luma_Creators_V1_CreatorRegistryService.Method.deleteCreator.descriptor, stack.creatorsEndpoint, [.admin]),
            (Luma_Creators_V1_CreatorRegistryService.Method.checkCreator.descriptor, stack.creatorsEndpoint, [.admin, .service]),
            (Luma_Content_V1_ContentPipelineService.Method.approve.descriptor, stack.contentEndpoint, [.admin]),
            (Luma_Content_V1_ContentPipelineService.Method.assign.descriptor, stack.contentEndpoint, [.admin]),
            (Luma_Content_V1_ContentPipelineService.Method.submit.descriptor, stack.contentEndpoint, [.admin, .creator]),
            (Luma_Content_V1_ContentPipelineService.Method.list.descriptor, stack.contentEndpoint, [.admin, .service, .creator]),
            (Luma_Content_V1_ContentPipelineService.Method.contentExists.descriptor, stack.contentEndpoint, [.admin, .service]),
            (Luma_Content_V1_ContentPipelineService.Method.getPublished.descriptor, stack.contentEndpoint, [.admin, .service, .app]),
        ]
        for (method, endpoint, allowed) in table {
            for role in Principal.Role.allCases {
                let result = await code(client(endpoint, token: tokens[role]), method)
                if allowed.contains(role) {
                    #expect(![.permissionDenied, .unauthenticated].contains(result), "\(role) -> \(method.fullName): \(result)")
                } else {
                    #expect(result == .permissionDenied, "\(role) -> \(method.fullName): \(result)")
                }
            }
            #expect(await code(client(endpoint, token: nil), method) == .unauthenticated)
            #expect(await code(client(endpoint, token: expired), method) == .unauthenticated)
            #expect(await code(client(endpoint, token: forged), method) == .unauthenticated)
        }

        // Every method of every service enforces what its policy declares.
        let services: [(RPCEndpoint, AccessPolicy, [RPCServiceDescriptor])] = [
            (stack.versesEndpoint, VerseRegistryAccess.policy, [Luma_Verses_V1_VerseRegistryService.descriptor]),
            (stack.creatorsEndpoint, CreatorRegistryAccess.policy, [Luma_Creators_V1_CreatorRegistryService.descriptor]),
            (stack.contentEndpoint, ContentPipelineAccess.policy, [Luma_Content_V1_ContentPipelineService.descriptor]),
            (stack.mediaEndpoint, MediaStoreAccess.policy, [Luma_Media_V1_MediaStoreService.descriptor]),
        ]
        for (endpoint, policy, descriptors) in services {
            for method in descriptors.flatMap(\.methods) {
                let creatorAllowed = policy.rule(for: method.fullName).map { rule -> Bool in
                    if case .roles(let roles) = rule { return roles.contains(.creator) }
                    return true
                } ?? false
                let result = await code(client(endpoint, token: tokens[.creator]), method)
                #expect(creatorAllowed == (result != .permissionDenied), "creator -> \(method.fullName): \(result)")
            }
        }
        // Health stays open.
        #expect(await code(client(stack.versesEndpoint, token: nil), Luma_Rpc_V1_HealthService.Method.check.descriptor) == .ok)

        // Services still enforce foreign keys with their own service tokens: generating claims a
        // verse (pipeline -> verse-registry -> pipeline), assigning checks the creator.
        let admin = { (endpoint: RPCEndpoint) in client(endpoint, token: tokens[.admin]) }
        let creators = Luma_Creators_V1_CreatorRegistryClient(admin(stack.creatorsEndpoint))
        let user = try await creators.createUser(.with { $0.email = "grace@example.com"; $0.displayName = "Grace"; $0.role = .creator })
        let grace = try await creators.createCreator(.with { $0.userID = user.id; $0.displayName = "Grace"; $0.canBible = true; $0.monthlyCapacity = 9 })
        let otherUser = try await creators.createUser(.with { $0.email = "other@example.com"; $0.displayName = "Other"; $0.role = .creator })
        let other = try await creators.createCreator(.with { $0.userID = otherUser.id; $0.displayName = "Other"; $0.canBible = true; $0.monthlyCapacity = 9 })
        let content = Luma_Content_V1_ContentPipelineClient(admin(stack.contentEndpoint))
        _ = try await content.plan(.with { $0.fromDate = "2027-06-01"; $0.toDate = "2027-06-02"; $0.modes = [.bible] })
        let items = try await content.generate(.with { $0.range = .with { $0.fromDate = "2027-06-01"; $0.toDate = "2027-06-02" } }).items
        #expect(items.count == 2 && items.allSatisfy { !$0.verseReference.isEmpty })
        _ = try await content.assign(.with { $0.id = items[0].id; $0.creatorID = grace.id })
        _ = try await content.assign(.with { $0.id = items[1].id; $0.creatorID = other.id })

        // A creator token sees and submits only its own assignments.
        let graceToken = signer.mint(Principal(subject: "grace", role: .creator, creatorID: grace.id), ttl: 600)
        let asGrace = Luma_Content_V1_ContentPipelineClient(client(stack.contentEndpoint, token: graceToken))
        let mine = try await asGrace.list(.init()).items
        #expect(mine.map(\.id) == [items[0].id])
        let others = await #expect(throws: RPCError.self) { try await asGrace.get(.with { $0.id = items[1].id }) }
        #expect(others?.code == .permissionDenied)
        let submitOther = await #expect(throws: RPCError.self) {
            try await asGrace.submit(.with { $0.id = items[1].id; $0.videoURL = "https://x.example.com/v.mp4"; $0.thumbnailURL = "https://x.example.com/t.jpg" })
        }
        #expect(submitOther?.code == .permissionDenied)
        #expect(try await content.get(.with { $0.id = items[1].id }).status == .assigned)
        let submitted = try await asGrace.submit(.with { $0.id = items[0].id; $0.videoURL = "https://x.example.com/v.mp4"; $0.thumbnailURL = "https://x.example.com/t.jpg" })
        #expect(submitted.status == .submitted)
        let approve = await #expect(throws: RPCError.self) { try await asGrace.approve(.with { $0.id = items[0].id }) }
        #expect(approve?.code == .permissionDenied)
        let board = try await asGrace.board(.with { $0.fromDate = "2027-06-01"; $0.toDate = "2027-06-02" })
        #expect(board.items.map(\.id) == [items[0].id])

        // The SET NULL of a deleted creator is delivered with creator-registry's service token.
        _ = try await creators.deleteCreator(.with { $0.id = other.id })
        #expect(await eventually { (try? await content.get(.with { $0.id = items[1].id }))?.creatorID == 0 })

        // No token appears in any log line.
        await stack.stop()
        let logs = stack.logs.text
        #expect(logs.contains("trace") || logs.contains("debug") || logs.contains("info"))
        for token in Array(tokens.values) + [expired, forged, graceToken] {
            #expect(!logs.contains(token))
            #expect(!logs.contains(String(token.split(separator: ".")[2])))
        }
    }

    @Test func servicesRefuseToStartWithoutAKeyOrWithAShortOne() async throws {
        let directory = temporaryDirectory()
        let missing = try await runCommand("verse-registry", ["--db", directory + "/v.sqlite", "--listen", "127.0.0.1:0"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no auth key"))
        try "abcd".write(toFile: directory + "/short.key", atomically: true, encoding: .utf8)
        let short = try await runCommand("content-pipeline", ["--db", directory + "/c.sqlite", "--listen", "127.0.0.1:0", "--auth-key", directory + "/short.key"])
        #expect(short.status != 0)
        #expect(short.stderr.contains("at least 32 are needed"))
    }
}
