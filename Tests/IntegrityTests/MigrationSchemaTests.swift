import ContentPipeline
import CreatorRegistry
import Foundation
import GRDB
import LumaServiceKit
import Testing

/// Migrations keep their own SQL: a fresh database migrated today has exactly the schema that
/// was captured (`Fixtures/*-schema.sql`, from `sqlite_master`) before the outbox helpers'
/// SQL was inlined into the migrations. A change to a migration's SQL shows here.
@Suite("Migrated schemas match their fixtures")
struct MigrationSchemaTests {
    static func schema(_ migrator: DatabaseMigrator, name: String) throws -> String {
        let (pool, _) = try ServiceDatabase.temporary(name: name)
        try migrator.migrate(pool)
        return try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name")
                .map { row -> String in
                    let type: String = row["type"], name: String = row["name"], sql: String = row["sql"]
                    return "\(type) \(name)\n\(sql)\n\n"
                }
                .joined()
        }
    }

    static func fixture(_ file: String) throws -> String {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        return try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }

    @Test func contentPipeline() throws {
        #expect(try Self.schema(ContentPipelineSchema.migrator, name: "content") == Self.fixture("content-schema.sql"))
    }

    @Test func creatorRegistry() throws {
        #expect(try Self.schema(CreatorRegistrySchema.migrator, name: "creators") == Self.fixture("creators-schema.sql"))
    }
}
