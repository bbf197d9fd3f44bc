import GRDB

/// Applied/pending state of each numbered migration, as `<service> migrations status` prints it
/// (like sequelize-cli's `db:migrate:status`).
public struct MigrationStatus: Sendable, Equatable {
    public let identifier: String
    public let applied: Bool
}

extension DatabaseMigrator {
    public func status(of reader: some DatabaseReader) throws -> [MigrationStatus] {
        let applied = try reader.read { db in
            try db.tableExists("grdb_migrations")
                ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : []
        }
        return migrations.map { MigrationStatus(identifier: $0, applied: applied.contains($0)) }
    }

    /// Lines for a terminal: "applied  001_schema" / "pending  002_seed", and "unknown" for a
    /// migration the database has but this binary does not define (a newer version ran).
    public func statusReport(of reader: some DatabaseReader) throws -> String {
        let known = try status(of: reader).map { "\($0.applied ? "applied" : "pending")  \($0.identifier)" }
        let unknown = try ServiceDatabase.unknownMigrations(reader, migrator: self).map { "unknown  \($0) (applied by a newer version)" }
        return (known + unknown).joined(separator: "\n")
    }
}
