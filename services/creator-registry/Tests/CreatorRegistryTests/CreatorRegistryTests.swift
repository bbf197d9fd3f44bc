import ContentAPI
import CreatorsAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import Testing
@testable import CreatorRegistry
import CreatorRegistryAdapters

func makeRegistry() throws -> (CreatorRegistryService, DatabasePool) {
    let (pool, _) = try ServiceDatabase.temporary(name: "creators")
    try CreatorRegistrySchema.migrator.migrate(pool)
    return (CreatorRegistryService(database: pool, passwords: BcryptPasswordHasher()), pool)
}

func context() -> RPCServerContext {
    RPCServerContext(
        method: RPCMethodDescriptor(service: "luma.creators.v1.CreatorRegistry", method: "test", inputType: "", outputType: "", idempotency: .unknown),
        callID: 1, metadata: [:], deadline: nil, peer: "test", logger: .init(label: "test"))
}

extension CreatorRegistryService {
    func user(_ email: String, role: Luma_Creators_V1_Role = .creator) async throws -> Luma_Creators_V1_User {
        try await createUser(.with { $0.email = email; $0.displayName = "User \(email.prefix(3))"; $0.role = role }, context: context())
    }

    func creator(user: Int64, _ configure: (inout Luma_Creators_V1_CreateCreatorRequest) -> Void = { _ in }) async throws -> Luma_Creators_V1_Creator {
        var request = Luma_Creators_V1_CreateCreatorRequest.with {
            $0.userID = user
            $0.displayName = "Grace"
            $0.monthlyCapacity = 8
            $0.canBible = true
        }
        configure(&request)
        return try await createCreator(request, context: context())
    }
}

func count(_ pool: DatabasePool, _ table: String) throws -> Int {
    try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table)")! }
}

@Suite("creator-registry (no socket)")
struct CreatorRegistryTests {
    @Test(arguments: ["", "plain", "a@b", "a@@b.com", "a b@c.com", "@example.com", "x@-bad.com", "x@example.c0m",
                      "x@exa_mple.com", String(repeating: "a", count: 300) + "@example.com", ".a@example.com"])
    func badEmailsAreRefused(email: String) async throws {
        let (service, pool) = try makeRegistry()
        let error = await #expect(throws: RPCError.self) { try await service.user(email) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "email")
        #expect(try count(pool, "users") == 0)
    }

    @Test func emailsAreUniqueCaseInsensitively() async throws {
        let (service, _) = try makeRegistry()
        let user = try await service.user("Grace@Example.com")
        #expect(user.email == "grace@example.com")
        let error = await #expect(throws: RPCError.self) { try await service.user("grace@example.COM") }
        #expect(error?.code == .alreadyExists)
        #expect(error?.message == "a user with email grace@example.com already exists (user \(user.id))")
    }

    @Test func roleIsRequired() async throws {
        let (service, _) = try makeRegistry()
        let error = await #expect(throws: RPCError.self) {
            try await service.createUser(.with { $0.email = "a@example.com"; $0.displayName = "A" }, context: context())
        }
        #expect(error?.field == "role")
    }

    struct BadCreator: Sendable, CustomTestStringConvertible {
        let label: String
        let field: String
        let configure: @Sendable (inout Luma_Creators_V1_CreateCreatorRequest) -> Void
        var testDescription: String { label }
    }

    @Test(arguments: [
        BadCreator(label: "unknown language", field: "languages") { $0.languages = ["en", "xx"] },
        BadCreator(label: "language name not code", field: "languages") { $0.languages = ["English"] },
        BadCreator(label: "negative capacity", field: "monthly_capacity") { $0.monthlyCapacity = -1 },
        BadCreator(label: "AI without avatar", field: "heygen_avatar_id") { $0.isAi = true },
        BadCreator(label: "avatar on a human", field: "heygen_avatar_id") { $0.heygenAvatarID = "avatar-1" },
        BadCreator(label: "empty name", field: "display_name") { $0.displayName = "  " },
        BadCreator(label: "10 KB name", field: "display_name") { $0.displayName = String(repeating: "n", count: 10_240) },
        BadCreator(label: "no user", field: "user_id") { $0.userID = 0 },
        BadCreator(label: "no mode", field: "can_bible") { $0.canBible = false; $0.canPositivity = false },
    ])
    func everyCreatorFieldIsValidated(bad: BadCreator) async throws {
        let (service, pool) = try makeRegistry()
        let user = try await service.user("g@example.com")
        let error = await #expect(throws: RPCError.self) { try await service.creator(user: user.id, bad.configure) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == bad.field)
        #expect(try count(pool, "luma_short_creators") == 0)
    }

    @Test func creatorDefaultsAndAnAICreator() async throws {
        let (service, _) = try makeRegistry()
        let user = try await service.user("admin@example.com", role: .admin)
        let human = try await service.creator(user: user.id)
        #expect(human.languages == ["en"] && human.active && !human.isAi && human.heygenAvatarID.isEmpty)
        // One profile per user.
        let second = await #expect(throws: RPCError.self) { try await service.creator(user: user.id) }
        #expect(second?.code == .alreadyExists && second?.field == "user_id")
        #expect(second?.message == "user \(user.id) already has creator profile \(human.id) (Grace); a user has at most one")
        let operatorUser = try await service.user("ava-operator@example.com")
        let ai = try await service.creator(user: operatorUser.id) {
            $0.displayName = "Avatar Ava"; $0.isAi = true; $0.heygenAvatarID = "ava_01"; $0.languages = ["EN", "es", "en"]
        }
        #expect(ai.isAi && ai.heygenAvatarID == "ava_01" && ai.languages == ["en", "es"])
        let missingUser = await #expect(throws: RPCError.self) { try await service.creator(user: 999) }
        #expect(missingUser?.code == .failedPrecondition)
    }

    @Test func deletingAUserWithACreatorIsRestricted() async throws {
        let (service, pool) = try makeRegistry()
        let user = try await service.user("g@example.com")
        let creator = try await service.creator(user: user.id)
        let error = await #expect(throws: RPCError.self) { try await service.deleteUser(.with { $0.id = user.id }, context: context()) }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message == "user \(user.id) still has creator profile \(creator.id) (Grace); delete the creator first")
        #expect(try count(pool, "users") == 1)

        _ = try await service.deleteCreator(.with { $0.id = creator.id }, context: context())
        #expect(try await service.deleteUser(.with { $0.id = user.id }, context: context()).deleted)
        #expect(try await service.deleteUser(.with { $0.id = user.id }, context: context()).deleted == false)
    }

    @Test func partialUpdateChangesOnlyTheNamedFields() async throws {
        let (service, _) = try makeRegistry()
        let user = try await service.user("g@example.com")
        let original = try await service.creator(user: user.id) { $0.languages = ["en", "es"]; $0.canPositivity = true }
        let updated = try await service.updateCreator(.with {
            $0.id = original.id
            $0.fields = ["monthly_capacity"]
            $0.monthlyCapacity = 12
            // Unnamed fields carry zero values that must be ignored.
        }, context: context())
        #expect(updated.monthlyCapacity == 12)
        #expect(updated.languages == ["en", "es"] && updated.canBible && updated.canPositivity && updated.displayName == "Grace")

        let toAI = await #expect(throws: RPCError.self) {
            try await service.updateCreator(.with { $0.id = original.id; $0.fields = ["is_ai"]; $0.isAi = true }, context: context())
        }
        #expect(toAI?.field == "heygen_avatar_id")
        let unknown = await #expect(throws: RPCError.self) {
            try await service.updateCreator(.with { $0.id = original.id; $0.fields = ["user_id"] }, context: context())
        }
        #expect(unknown?.field == "fields")
        let deactivated = try await service.deactivateCreator(.with { $0.id = original.id }, context: context())
        #expect(!deactivated.active && deactivated.monthlyCapacity == 12)
    }

    @Test func eligibilityFiltersAgainstATableOfCreators() async throws {
        let (service, _) = try makeRegistry()
        let user = try await service.user("admin@example.com", role: .admin)
        // name, languages, bible, positivity, active
        let table: [(String, [String], Bool, Bool, Bool)] = [
            ("A", ["en"], true, false, true),
            ("B", ["en", "es"], true, true, true),
            ("C", ["es"], false, true, true),
            ("D", ["en"], true, true, false),
            ("E", ["pt"], true, true, true),
        ]
        for row in table {
            let user = try await service.user("\(row.0.lowercased())@example.com")
            _ = try await service.creator(user: user.id) {
                $0.displayName = row.0; $0.languages = row.1; $0.canBible = row.2; $0.canPositivity = row.3; $0.inactive = !row.4
            }
        }
        func eligible(_ mode: Luma_Creators_V1_FilmMode, _ language: String) async throws -> [String] {
            try await service.findEligible(.with { $0.mode = mode; $0.language = language }, context: context()).creators.map(\.displayName)
        }
        #expect(try await eligible(.bible, "en") == ["A", "B"])
        #expect(try await eligible(.positivity, "en") == ["B"])
        #expect(try await eligible(.positivity, "es") == ["B", "C"])
        #expect(try await eligible(.bible, "es") == ["B"])
        #expect(try await eligible(.bible, "pt") == ["E"])
        #expect(try await eligible(.bible, "fr") == [])
        let inactive = try await service.listCreators(.with { $0.active = 2 }, context: context())
        #expect(inactive.creators.map(\.displayName) == ["D"])
        let badMode = await #expect(throws: RPCError.self) { try await eligible(.unspecified, "en") }
        #expect(badMode?.field == "mode")
    }

    @Test(arguments: [(true, nil, "bible"), (nil, true, "positivity")] as [(Bool?, Bool?, String)])
    func theEligibilityQueryUsesTheCompositeIndex(bible: Bool?, positivity: Bool?, label: String) throws {
        let (_, pool) = try makeRegistry()
        let (sql, arguments) = CreatorStore.creatorsQuery(CreatorFilter(active: true, canBible: bible, canPositivity: positivity, language: "en"))
        let plan = try pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX luma_short_creators_eligibility") }, "\(label): \(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN luma_short_creators") }, "\(label): \(plan)")
    }

    @Test func deletingACreatorQueuesTheSetNullInTheSameTransaction() async throws {
        let (service, pool) = try makeRegistry()
        let user = try await service.user("g@example.com")
        let creator = try await service.creator(user: user.id)
        _ = try await service.deleteCreator(.with { $0.id = creator.id }, context: context())
        let entries = try await pool.read { try Outbox.status($0, includeEntries: true) }
        #expect(entries.pending == 1)
        let entry = try #require(entries.entries.first)
        #expect(entry.kind == CreatorRegistryOutbox.creatorDeleted)
        #expect(try Luma_Content_V1_CreatorDeletedRequest(serializedBytes: entry.payload).creatorID == creator.id)
        // Deleting again changes nothing and queues nothing.
        #expect(try await service.deleteCreator(.with { $0.id = creator.id }, context: context()).deleted == false)
        #expect(try await pool.read { try Outbox.status($0, includeEntries: false) }.pending == 1)
    }

    @Test func checkCreatorAnswersForeignKeyQuestions() async throws {
        let (service, _) = try makeRegistry()
        let user = try await service.user("g@example.com")
        let creator = try await service.creator(user: user.id)
        let found = try await service.checkCreator(.with { $0.id = creator.id }, context: context())
        #expect(found.exists && found.creator.canBible && found.creator.active)
        #expect(try await service.checkCreator(.with { $0.id = 404 }, context: context()).exists == false)
    }

    @Test func integrityCheckFindsPlantedOrphans() async throws {
        let (service, pool) = try makeRegistry()
        let user = try await service.user("g@example.com")
        let creator = try await service.creator(user: user.id)
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DELETE FROM users")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let report = try await service.checkIntegrity(.init(), context: context())
        #expect(report.creatorsWithMissingUser == [creator.id])
    }
}
