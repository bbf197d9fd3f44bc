import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaTestSupport
import NIOConcurrencyHelpers
@testable import VerseRegistry

/// Migrating a registry (KJV text, Nave's topics) takes seconds in a debug build, so each test
/// process migrates once and each test copies the file.
enum TemplateDatabase {
    private static let built = NIOLockedValueBox<Task<String, any Error>?>(nil)

    /// Built once per process, on a thread of its own so the migration does not block the
    /// cooperative pool other tests run on.
    static func path() async throws -> String {
        let task = built.withLockedValue { task in
            if let task { return task }
            let new = Task { try await offThePool(build) }
            task = new
            return new
        }
        return try await task.value
    }

    private static func build() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("luma-verse-template-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("template.sqlite").path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pool = try ServiceDatabase.open(path: path)
        try VerseRegistryMigrations.migrator.migrate(pool)
        _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        return path
    }

    /// A migrated database file of its own, and its path.
    static func copy() async throws -> (DatabasePool, String) {
        let template = try await path()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("luma-verse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let destination = directory.appendingPathComponent("verses.sqlite").path
        try FileManager.default.copyItem(atPath: template, toPath: destination)
        return (try ServiceDatabase.open(path: destination), destination)
    }
}

/// A content-pipeline stand-in: content ids that exist, or "unreachable".
final class StubContentDirectory: ContentDirectory {
    let existing: NIOLockedValueBox<Set<Int64>>
    let reachable = NIOLockedValueBox(true)

    init(_ ids: Set<Int64> = Set(1...1000)) {
        existing = NIOLockedValueBox(ids)
    }

    func contentExists(_ id: Int64) async throws -> Bool {
        guard reachable.withLockedValue({ $0 }) else {
            throw RPCError.unavailable("cannot check daily content \(id): content-pipeline is unreachable (stub)")
        }
        return existing.withLockedValue { $0.contains(id) }
    }
}

func makeService(content: StubContentDirectory = StubContentDirectory()) async throws -> (VerseRegistryService, DatabasePool) {
    let (pool, _) = try await TemplateDatabase.copy()
    return (VerseRegistryService(database: pool, content: content), pool)
}

/// A context for calling a provider directly, without a socket.
func testContext(_ method: String = "test") -> RPCServerContext {
    RPCServerContext(
        method: RPCMethodDescriptor(service: "luma.verses.v1.VerseRegistry", method: method, inputType: "", outputType: "", idempotency: .unknown),
        callID: 1, metadata: [:], deadline: nil, peer: "test", logger: .init(label: "test"))
}

func ledgerCount(_ pool: DatabasePool) throws -> Int {
    try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM used_bible_verses")! }
}
