import GRDB

/// Applied/pending state of each numbered migration, as `<service> migrations status` prints it
/// (like sequelize-cli's `db:migrate:status`).
public struct MigrationStatus: Sendable, Equatable {
    public let identifier: String
    public let applied: Bool
}

extension DatabaseMigrator {
    public func status(of writer: some DatabaseWriter) throws -> [MigrationStatus] {
        let applied = try writer.read { try appliedIdentifiers($0) }
        return migrations.map { MigrationStatus(identifier: $0, applied: applied.contains($0)) }
    }

    /// Lines for a terminal: "applied  001_schema" / "pending  002_seed".
    public func statusReport(of writer: some DatabaseWriter) throws -> String {
        try status(of: writer).map { "\($0.applied ? "applied" : "pending")  \($0.identifier)" }.joined(separator: "\n")
    }
}
