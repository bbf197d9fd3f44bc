import GRDB

/// What the shared commands need to know about a service's database.
public protocol ServiceSchema {
    static var migrator: DatabaseMigrator { get }
    static var defaultDatabasePath: String { get }
}
