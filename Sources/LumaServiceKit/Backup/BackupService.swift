import Crypto
import Foundation
import GRDB
import LumaAuth
import LumaRPC
import LumaValues
import OpsAPI

/// `luma.ops.v1.Backup`: a consistent online copy of the service's database, taken with SQLite's
/// backup API (through GRDB) while the service keeps serving, written next to where the service
/// runs. `lumactl backup` asks every service and writes the manifest.
public struct BackupService: Luma_Ops_V1_BackupProvider {
    let database: DatabasePool
    let service: String
    let fileName: String
    let extraFiles: ExtraFiles?

    /// Copies what the database copy at `copy` names into `directory` (media-store's blobs);
    /// runs after the database copy, off the event loop.
    public typealias ExtraFiles = @Sendable (_ copy: String, _ directory: String) throws -> [Luma_Ops_V1_BackupFile]

    /// `fileName`: the copy's name in the target directory, e.g. "content-pipeline.sqlite".
    public init(database: DatabasePool, service: String, fileName: String, extraFiles: ExtraFiles? = nil) {
        self.database = database
        self.service = service
        self.fileName = fileName
        self.extraFiles = extraFiles
    }

    public func snapshot(_ request: Luma_Ops_V1_SnapshotRequest, context: RPCServerContext) async throws -> Luma_Ops_V1_SnapshotResponse {
        let directory = request.directory
        guard directory.hasPrefix("/"), !directory.contains("\0"), directory.count <= 4096 else {
            throw RPCError.invalidArgument("directory must be an absolute path on the service's machine", field: "directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RPCError.failedPrecondition("cannot create \(directory): \(error.localizedDescription)", field: "directory")
        }
        let path = directory + "/" + fileName
        guard !FileManager.default.fileExists(atPath: path) else {
            throw RPCError.alreadyExists("\(path) exists; a backup never overwrites one", field: "directory")
        }
        let takenAt = Timestamp.now()
        let database = self.database
        let extraFiles = self.extraFiles
        // Blocking file work, off the event loop.
        let (bytes, digest, migrations, files) = try await Task.detached { () throws -> (Int, String, [String], [Luma_Ops_V1_BackupFile]) in
            // Into a temporary name first: a half-written copy never carries the final name.
            let partial = path + ".partial"
            try? FileManager.default.removeItem(atPath: partial)
            let copy = try DatabaseQueue(path: partial)
            try database.backup(to: copy)
            let migrations = try copy.writeWithoutTransaction { db -> [String] in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")      // one self-contained file
                return try db.tableExists("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") : []
            }
            try copy.close()
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
            let files = try extraFiles?(path, directory) ?? []
            return (data.count, SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined(), migrations, files)
        }.value
        return .with {
            $0.service = service
            $0.path = path
            $0.bytes = UInt64(bytes)
            $0.sha256 = digest
            $0.migrations = migrations
            $0.takenAt = takenAt
            $0.files = files
        }
    }
}

/// Who may take backups: operators.
public enum BackupAccess {
    public static let policy = AccessPolicy([
        (Luma_Ops_V1_BackupService.Method.snapshot.descriptor, .admin),
    ])
}
