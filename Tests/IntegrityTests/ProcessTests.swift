import CreatorsAPI
import Foundation
import GRDB
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import Testing

/// What only real processes show: a stopped instance (SIGSTOP keeps its sockets open, so the
/// kernel still accepts connections for it) and instances and migrations racing at start.
@Suite("Instances as processes: failover and start-up", .serialized)
struct ProcessTests {
    func creatorRegistry(_ db: String) async throws -> ServiceProcess {
        try await ServiceProcess("creator-registry", ["--insecure-dev", "--db", db, "--content", "127.0.0.1:9", "--log-level", "error"])
    }

    /// SIGSTOP one of two instances: every call still succeeds within its deadline (the hung
    /// instance is detected by keepalive, its idempotent calls retried on the other, and it is
    /// ejected), including calls that are not idempotent once it is ejected.
    @Test func callsKeepSucceedingWhenOneOfTwoInstancesIsStopped() async throws {
        let db = temporaryDirectory() + "/creators.sqlite"
        let a = try await creatorRegistry(db), b = try await creatorRegistry(db)
        let client = Luma_Creators_V1_CreatorRegistryClient(RPCClient(endpoints: [a.endpoint, b.endpoint]))
        _ = try await client.createUser(.with { $0.email = "before@example.com"; $0.displayName = "B"; $0.role = .admin })
        _ = try await client.listUsers(.init())   // round-robin: both instances now have a live connection,
        _ = try await client.listUsers(.init())   // so a call is in flight on the stopped one (keepalive's case)
        kill(a.pid, SIGSTOP)
        defer { kill(a.pid, SIGCONT) }
        for round in 0..<10 {
            let users = try await client.listUsers(.init(), options: .init(timeout: .seconds(8)))
            #expect(users.users.count == 1, "round \(round)")
        }
        let created = try await client.createUser(.with { $0.email = "after@example.com"; $0.displayName = "A"; $0.role = .admin },
                                                  options: .init(timeout: .seconds(8)))
        #expect(created.id > 0)
        kill(a.pid, SIGCONT)
        await a.stop()
        await b.stop()
    }

    /// Three instances started at once on a file that does not exist yet all start.
    @Test func instancesStartedTogetherOnAFreshDatabaseAllStart() async throws {
        let db = temporaryDirectory() + "/creators.sqlite"
        async let first = creatorRegistry(db)
        async let second = creatorRegistry(db)
        async let third = creatorRegistry(db)
        let instances = try await [first, second, third]
        for instance in instances {
            let client = Luma_Creators_V1_CreatorRegistryClient(RPCClient(endpoint: instance.endpoint))
            #expect(try await client.listUsers(.init()).users.isEmpty)
            await instance.stop()
        }
    }

    /// Concurrent `migrate` runs say what each really applied: one applies, the others are up
    /// to date. `migrations status` on a missing file fails and creates nothing.
    @Test func concurrentMigrateRunsReportWhatEachApplied() async throws {
        let db = temporaryDirectory() + "/content.sqlite"
        let missing = try await runCommand("content-pipeline", ["migrations", "status", "--db", db])
        #expect(missing.status != 0 && missing.stderr.contains("no database at"))
        #expect(!FileManager.default.fileExists(atPath: db))

        async let one = runCommand("content-pipeline", ["migrate", "--db", db])
        async let two = runCommand("content-pipeline", ["migrate", "--db", db])
        async let three = runCommand("content-pipeline", ["migrate", "--db", db])
        let outputs = try await [one, two, three]
        #expect(outputs.allSatisfy { $0.status == 0 })
        #expect(outputs.filter { $0.stdout.contains("applied  001_daily_content") }.count == 1)
        #expect(outputs.filter { $0.stdout == "up to date\n" }.count == 2)
    }

    /// A database from a newer version is refused by migrate and at start; a corrupt one at start.
    @Test func newerAndCorruptDatabasesAreRefusedAtStart() async throws {
        let directory = temporaryDirectory()
        let newer = directory + "/newer.sqlite"
        #expect(try await runCommand("creator-registry", ["migrate", "--db", newer]).status == 0)
        let pool = try DatabaseQueue(path: newer)
        try await pool.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('099_next_year')") }
        try pool.close()
        let migrate = try await runCommand("creator-registry", ["migrate", "--db", newer])
        #expect(migrate.status != 0 && migrate.stderr.contains("099_next_year") && migrate.stderr.contains("newer version"))
        let serve = try await runCommand("creator-registry", ["--insecure-dev", "--db", newer, "--listen", "127.0.0.1:0"])
        #expect(serve.status != 0 && serve.stderr.contains("099_next_year"))
        let status = try await runCommand("creator-registry", ["migrations", "status", "--db", newer])
        #expect(status.stdout.contains("unknown  099_next_year (applied by a newer version)"))

        let corrupt = directory + "/corrupt.sqlite"
        #expect(try await runCommand("creator-registry", ["migrate", "--db", corrupt]).status == 0)
        let filler = try DatabaseQueue(path: corrupt)
        try await filler.write { db in
            for i in 0..<300 {
                try db.execute(sql: "INSERT INTO users (email, display_name, role, created_at) VALUES (?, ?, 'admin', 'now')",
                               arguments: ["u\(i)@example.com", String(repeating: "n", count: 200)])
            }
        }
        try await filler.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
        try filler.close()
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: corrupt))
        try file.seek(toOffset: 4096 * 2)
        file.write(Data(repeating: 0x5A, count: 4096 * 6))
        try file.close()
        let refused = try await runCommand("creator-registry", ["--insecure-dev", "--db", corrupt, "--listen", "127.0.0.1:0"])
        #expect(refused.status != 0 && refused.stderr.contains("is corrupt") && refused.stderr.contains("restore it from a backup"))
    }
}
