import CreatorsAPI
import Foundation
import GRDB
import LumaRPC
import Testing
@testable import CreatorRegistry

@Suite("Passwords and sign-in (no socket)")
struct PasswordTests {
    @Test func aSetPasswordSignsInAndIsNeverReturned() async throws {
        let (service, pool) = try makeRegistry()
        let user = try await service.user("grace@example.com")
        let creator = try await service.creator(user: user.id)
        #expect(!user.passwordSet)
        _ = try await service.setPassword(.with { $0.userID = user.id; $0.password = "correct horse" }, context: context())
        let signedIn = try await service.verifyPassword(.with { $0.email = "GRACE@example.com"; $0.password = "correct horse" }, context: context())
        #expect(signedIn.user.id == user.id && signedIn.user.passwordSet)
        #expect(signedIn.creatorID == creator.id)
        let stored = try await pool.read { try String.fetchOne($0, sql: "SELECT password_hash FROM users WHERE id = ?", arguments: [user.id]) }
        #expect(stored?.hasPrefix("$2b$10$") == true)
        #expect(try signedIn.serializedData().range(of: Data((stored ?? "x").utf8)) == nil)
    }

    /// Wrong email and wrong password read the same; the fifth failure in a row locks the
    /// email, and even the right password waits; other emails are not affected.
    @Test func wrongPasswordsAreRefusedAlikeThenSlowedDown() async throws {
        let (service, _) = try makeRegistry()
        let user = try await service.user("mateo@example.com")
        _ = try await service.setPassword(.with { $0.userID = user.id; $0.password = "right password" }, context: context())
        let unknown = await #expect(throws: RPCError.self) {
            try await service.verifyPassword(.with { $0.email = "nobody@example.com"; $0.password = "whatever1" }, context: context())
        }
        #expect(unknown?.code == .unauthenticated)
        for attempt in 1...5 {
            let error = await #expect(throws: RPCError.self) {
                try await service.verifyPassword(.with { $0.email = "mateo@example.com"; $0.password = "wrong \(attempt)" }, context: context())
            }
            #expect(error?.code == (attempt < 5 ? .unauthenticated : .resourceExhausted), "attempt \(attempt)")
            if attempt < 5 { #expect(error?.message == unknown?.message) }
        }
        let locked = await #expect(throws: RPCError.self) {
            try await service.verifyPassword(.with { $0.email = "mateo@example.com"; $0.password = "right password" }, context: context())
        }
        #expect(locked?.code == .resourceExhausted)
        #expect(locked?.message.contains("try again in 30 s") == true || locked?.message.contains("try again in 29 s") == true)
        #expect(locked?.field == "password")
    }

    @Test func theLockGrowsAndASuccessResetsIt() throws {
        let (_, pool) = try makeRegistry()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let locks = try pool.write { db in try (1...8).map { _ in try PasswordStore.recordFailure(db, email: "a@example.com", now: start) } }
        #expect(locks == [0, 0, 0, 0, 30, 60, 120, 240])
        let (during, after) = try pool.read { db in
            (try PasswordStore.lockRemaining(db, email: "A@example.com", now: start.addingTimeInterval(239)),
             try PasswordStore.lockRemaining(db, email: "a@example.com", now: start.addingTimeInterval(240)))
        }
        #expect(during != nil && after == nil)
        let capped = try pool.write { db in try (1...10).map { _ in try PasswordStore.recordFailure(db, email: "a@example.com", now: start) }.last }
        #expect(capped == 900)
        try pool.write { try PasswordStore.clearFailures($0, email: "a@example.com") }
        let fresh = try pool.write { try PasswordStore.recordFailure($0, email: "a@example.com", now: start) }
        #expect(fresh == 0)
    }

    /// A user created with a password can sign in at once; a refused password creates nobody.
    @Test func aUserCreatedWithAPasswordIsAllOrNothing() async throws {
        let (service, pool) = try makeRegistry()
        let refused = await #expect(throws: RPCError.self) {
            try await service.createUser(.with { $0.email = "new@example.com"; $0.displayName = "New"; $0.role = .admin; $0.password = "short" },
                                         context: context())
        }
        #expect(refused?.code == .invalidArgument && refused?.field == "password")
        #expect(try count(pool, "users") == 0)
        let user = try await service.createUser(.with {
            $0.email = "new@example.com"; $0.displayName = "New"; $0.role = .admin; $0.password = "long enough"
        }, context: context())
        #expect(user.passwordSet)
        let signedIn = try await service.verifyPassword(.with { $0.email = "new@example.com"; $0.password = "long enough" }, context: context())
        #expect(signedIn.user.id == user.id && signedIn.creatorID == 0)
    }

    @Test(arguments: [("short", "at least 8 characters"), (String(repeating: "é", count: 37), "at most 72 bytes")])
    func badPasswordsAreRefusedNamingTheField(password: String, message: String) async throws {
        let (service, _) = try makeRegistry()
        let user = try await service.user("x@example.com")
        let error = await #expect(throws: RPCError.self) {
            try await service.setPassword(.with { $0.userID = user.id; $0.password = password }, context: context())
        }
        #expect(error?.code == .invalidArgument && error?.field == "password")
        #expect(error?.message.contains(message) == true)
        let missing = await #expect(throws: RPCError.self) {
            try await service.setPassword(.with { $0.userID = 999; $0.password = "long enough" }, context: context())
        }
        #expect(missing?.code == .notFound && missing?.field == "user_id")
    }
}
