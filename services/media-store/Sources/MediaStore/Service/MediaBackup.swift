import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import OpsAPI

/// The files of a backup: every blob the database copy names, copied into
/// `<backup>/media-store-blobs/ab/<sha256>` and hashed as it is copied, so the manifest lists
/// what was really written (a blob that does not match its name fails the backup: DATA_LOSS).
/// Restore checks them again (`media-store restore --media-dir`).
public enum MediaBackup {
    public static let directoryName = "media-store-blobs"

    static func copier(blobs: BlobDirectory) -> BackupService.ExtraFiles {
        { copy, directory in
            let hashes = try DatabaseQueue(path: copy).read { db in try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM media ORDER BY sha256") }
            var files: [Luma_Ops_V1_BackupFile] = []
            for sha256 in hashes {
                let relative = "\(directoryName)/\(sha256.prefix(2))/\(sha256)"
                let target = directory + "/" + relative
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                // Removed by the clean-up since the database was copied: still in trash/.
                guard let source = blobs.readablePath(sha256) else {
                    throw RPCError(.dataLoss, "blob \(sha256) named by the database is missing from \(blobs.root)")
                }
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: source, toPath: target)
                let digest = try BlobDirectory.digest(of: target)
                guard digest.sha256 == sha256 else {
                    throw RPCError(.dataLoss, "blob \(sha256) in \(blobs.root) does not hash to its name (found \(digest.sha256.prefix(12))...)")
                }
                files.append(.with {
                    $0.path = relative
                    $0.bytes = UInt64(digest.size)
                    $0.sha256 = sha256
                })
            }
            return files
        }
    }
}
