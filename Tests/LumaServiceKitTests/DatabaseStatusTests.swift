import Foundation
import GRDB
import Logging
import LumaRPC
import NIOConcurrencyHelpers
import Testing
@testable import LumaLogging
import LumaServiceKit

/// SQLite's troubles become statuses a caller can act on, the outbox retries what can clear by
/// itself, and a service refuses at start a database it cannot trust. Real SQLite errors,
/// provoked: a held write lock, a size limit, overwritten pages.
@Suite("Database errors as statuses, and start-up checks")
struct DatabaseStatusTests {
    func status(_ body: () throws -> Void) -> RPCError? {
        do {
            try body()
            return nil
        } catch let error as DatabaseError {
            return DatabaseStatus.status(for: error, database: "test.sqlite")
        } catch {
            Issue.record("not a database error: \(error)")
            return nil
        }
    }

    /// A pool whose writer may not grow the file past its current size plus `pages`.
    func nearlyFull(pages: Int = 2) throws -> DatabasePool {
        let (pool, _) = try ServiceDatabase.temporary(name: "full")
        try pool.write { try $0.execute(sql: "CREATE TABLE t (x BLOB)") }
        try pool.writeWithoutTransaction { db in
            let count = try Int.fetchOne(db, sql: "PRAGMA page_count")!
            try db.execute(sql: "PRAGMA max_page_count = \(count + pages)")
        }
        return pool
    }

    func fill(_ pool: DatabasePool) throws {
        for _ in 0..<100 { try pool.write { try $0.execute(sql: "INSERT INTO t VALUES (zeroblob(4000))") } }
    }

    @Test func aHeldWriteLockIsUnavailable() throws {
        let (pool, path) = try ServiceDatabase.temporary(name: "busy", busyTimeout: 0.05)
        try pool.write { try $0.execute(sql: "CREATE TABLE t (x)") }
        var holder = Configuration()
        holder.allowsUnsafeTransactions = true   // it keeps the write lock between accesses, on purpose
        let other = try DatabaseQueue(path: path, configuration: holder)
        try other.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
        defer { try? other.inDatabase { try $0.execute(sql: "ROLLBACK") } }
        let refused = status { try pool.write { try $0.execute(sql: "INSERT INTO t VALUES (1)") } }
        #expect(refused?.code == .unavailable)
        #expect(refused?.message.contains("database test.sqlite is busy") == true)
    }

    @Test func aFullDatabaseIsResourceExhausted() throws {
        let pool = try nearlyFull()
        let refused = status { try fill(pool) }
        #expect(refused?.code == .resourceExhausted)
        #expect(refused?.message.contains("is full") == true)
    }

    @Test func theInterceptorTurnsHandlerDatabaseErrorsIntoStatuses() async throws {
        let pool = try nearlyFull()
        let interceptor = DatabaseStatusInterceptor(database: "content-pipeline.sqlite")
        let context = RPCServerContext(
            method: RPCMethodDescriptor(service: "t", method: "m", inputType: "", outputType: "", idempotency: .unknown),
            callID: 1, metadata: [:], deadline: nil, peer: "test", logger: Logger(label: "test"))
        do {
            _ = try await interceptor.intercept(request: Data(), context: context) { _, _ in
                try fill(pool)
                return Data()
            }
            Issue.record("the write should have failed")
        } catch let error as RPCError {
            #expect(error.code == .resourceExhausted && error.message.contains("content-pipeline.sqlite"))
        }
    }

    /// A receiver whose disk is full answers RESOURCE_EXHAUSTED: the entry stays pending (not
    /// failed) and is delivered once space is freed.
    @Test func theOutboxRetriesAReceiverWhoseDiskIsFull() async throws {
        let receiver = try nearlyFull(pages: 0)
        let (outbox, _) = try ServiceDatabase.temporary(name: "outbox")
        try await outbox.write { try OutboxTable.create($0) }
        try await outbox.write { try Outbox.enqueue($0, kind: "store", target: "thing 1", payload: Data(count: 20_000)) }  // needs new pages
        var immediate = RPCBackoff()
        immediate.initial = .zero
        let deliverer = OutboxDeliverer(database: outbox, handlers: ["store": { entry in
            try await receiver.write { try $0.execute(sql: "INSERT INTO t VALUES (?)", arguments: [entry.payload]) }
        }], logger: Logger(label: "test"), backoff: immediate)

        await deliverer.deliverDue()
        let waiting = try await outbox.read { try Outbox.status($0, includeEntries: true) }
        #expect(waiting.pending == 1 && waiting.failed == 0)
        #expect(waiting.entries.first?.lastError.contains("RESOURCE_EXHAUSTED") == true)

        try await receiver.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = 1000000") }
        await deliverer.deliverDue()
        #expect(try await outbox.read { try Outbox.status($0, includeEntries: false) }.pending == 0)
        #expect(try await receiver.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == 1)
    }

    /// Corrupt pages behind an intact header: the service refuses to start, and a read that
    /// meets them is DATA_LOSS.
    @Test func aCorruptDatabaseRefusesToStartAndReadsAreDataLoss() throws {
        let (pool, path) = try ServiceDatabase.temporary(name: "corrupt")
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001") { try $0.execute(sql: "CREATE TABLE t (x TEXT)") }
        try migrator.migrate(pool)
        try pool.write { db in
            for i in 0..<2000 { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [String(repeating: "x", count: 100) + "\(i)"]) }
        }
        _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try pool.close()
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try file.seek(toOffset: 4096 * 3)
        file.write(Data(repeating: 0xA5, count: 4096 * 20))
        try file.close()

        #expect {
            _ = try ServiceDatabase.openForService(path: path, migrator: migrator)
        } throws: { error in
            "\(error)".contains("database \(path) is corrupt") && "\(error)".contains("refusing to start")
        }
        let damaged = try ServiceDatabase.open(path: path)
        let refused = status { _ = try damaged.read { try Int.fetchAll($0, sql: "SELECT length(x) FROM t") } }
        #expect(refused?.code == .dataLoss)
    }

    /// A database migrated by a newer version: refused at start, by migrate, and shown by status.
    @Test func unknownMigrationsAreRefused() throws {
        let (pool, path) = try ServiceDatabase.temporary(name: "newer")
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001") { try $0.execute(sql: "CREATE TABLE t (x)") }
        try migrator.migrate(pool)
        try pool.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('002_from_the_future')") }
        #expect(try migrator.statusReport(of: pool) == "applied  001\nunknown  002_from_the_future (applied by a newer version)")
        #expect {
            _ = try ServiceDatabase.openForService(path: path, migrator: migrator)
        } throws: { error in
            "\(error)".contains("002_from_the_future") && "\(error)".contains("newer version")
        }
    }

    /// Instances starting together on a fresh file: all start, and exactly one applies.
    @Test func startingTogetherOnAFreshFileAllSucceedAndOneMigrates() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("luma-\(UUID().uuidString)/fresh.sqlite").path
        var registering = DatabaseMigrator()
        registering.registerMigration("001") { try $0.execute(sql: "CREATE TABLE t (x)") }
        registering.registerMigration("002") { try $0.execute(sql: "CREATE TABLE u (x)") }
        let migrator = registering
        // One thread each, as separate processes would be: flock() excludes separate opens.
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread.detachNewThread {
                            continuation.resume(with: Result { try ServiceDatabase.openForService(path: path, migrator: migrator).applied })
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.filter { !$0.isEmpty } == [["001", "002"]])
    }
}

@Suite("JSON logs")
struct JSONLogTests {
    @Test func eachLineIsOneJSONObjectWithTheCallsIDs() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "content-pipeline") { label in JSONLogHandler(label: label, level: .info) { line in lines.withLockedValue { $0.append(line) } } }
        logger[metadataKey: "call-id"] = "7"
        logger[metadataKey: "trace-id"] = "abc"
        logger.info("handler failed", metadata: ["error": "disk \"full\""])
        logger.debug("not shown")
        let written = lines.withLockedValue { $0 }
        #expect(written.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String])
        #expect(object["message"] == "handler failed" && object["level"] == "info" && object["label"] == "content-pipeline")
        #expect(object["call-id"] == "7" && object["trace-id"] == "abc" && object["error"] == "disk \"full\"")
        #expect(object["ts"]?.hasSuffix("Z") == true)
    }
}
