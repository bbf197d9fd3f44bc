import GRDB
import LumaServiceKit

public enum VerseRegistrySchema: ServiceSchema {
    public static var migrator: DatabaseMigrator { VerseRegistryMigrations.migrator }
    public static let defaultDatabasePath = ".luma/verse-registry.sqlite"
}
