import ArgumentParser
import Crypto
import Foundation
import LumaServiceKit
import GRDB

/// `<service> restore --from FILE --db PATH`: puts a backup (from `lumactl backup`) in place of
/// the service's database, after checking it: `PRAGMA integrity_check`, no migration this
/// version does not know, and the sha256 its manifest recorded. Stop every instance of the
/// service first; the database being replaced is kept beside it. See docs/operations.md.
public struct RestoreCommand<Schema: ServiceSchema>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "restore", abstract: "Check a backup and put it in place of the database (service stopped).")
    }

    @Option(help: "The backup file (from lumactl backup).")
    var from: String

    @Option(help: "The database to replace.")
    var db: String?

    public init() {}

    public func run() throws {
        let target = db ?? Schema.defaultDatabasePath
        guard FileManager.default.fileExists(atPath: from) else { throw RestoreError("no backup at \(from)") }
        try Self.verifyChecksum(of: from)
        var readonly = Configuration()
        readonly.readonly = true
        let (problems, applied): ([String], [String]) = try {
            let backup = try DatabaseQueue(path: from, configuration: readonly)
            defer { try? backup.close() }
            return try backup.read { db in
                let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check(5)").filter { $0 != "ok" }
                let applied = try db.tableExists("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") : []
                return (problems, applied)
            }
        }()
        guard problems.isEmpty else {
            throw RestoreError("\(from) is damaged (PRAGMA integrity_check: \(problems.joined(separator: "; "))); nothing was changed")
        }
        let known = Set(Schema.migrator.migrations)
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw RestoreError("\(from) holds migrations this version does not know (\(unknown.joined(separator: ", "))); "
                + "restore it with the version that made it; nothing was changed")
        }
        let pending = Schema.migrator.migrations.filter { !applied.contains($0) }

        // Under the start lock: no instance starts on the file while it is replaced.
        let kept: String? = try ServiceDatabase.withStartLock(path: target) {
            let fileManager = FileManager.default
            let staging = target + ".restoring"
            try? fileManager.removeItem(atPath: staging)
            try fileManager.copyItem(atPath: from, toPath: staging)
            var kept: String?
            if fileManager.fileExists(atPath: target) {
                let aside = target + ".before-restore-" + String(Int(Date().timeIntervalSince1970))
                try fileManager.moveItem(atPath: target, toPath: aside)
                kept = aside
            }
            for suffix in ["-wal", "-shm"] { try? fileManager.removeItem(atPath: target + suffix) }
            try fileManager.moveItem(atPath: staging, toPath: target)
            return kept
        }
        print("restored \(target) from \(from) (\(applied.count) migrations\(pending.isEmpty ? "" : "; \(pending.count) pending, applied at the next start"))")
        if let kept { print("the database it replaced is kept as \(kept)") }
        print("once every service is back, run `lumactl integrity check` (and --repair) for what restores from different moments left dangling")
    }

    /// If a manifest.json from `lumactl backup` sits beside the file, its sha256 must match.
    static func verifyChecksum(of path: String) throws {
        let manifest = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: manifest),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let services = object["services"] as? [[String: Any]],
              let entry = services.first(where: { ($0["file"] as? String) == URL(fileURLWithPath: path).lastPathComponent }),
              let expected = entry["sha256"] as? String else { return }
        let actual = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
            .map { String(format: "%02x", $0) }.joined()
        guard actual == expected else {
            throw RestoreError("\(path) does not match the sha256 its manifest recorded (\(expected.prefix(12))..., found \(actual.prefix(12))...); nothing was changed")
        }
    }
}

struct RestoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
