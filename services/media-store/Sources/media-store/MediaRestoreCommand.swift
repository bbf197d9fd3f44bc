import ArgumentParser
import Foundation
import GRDB
import LumaDefaults
import LumaServiceKit
import LumaServiceRunner
import MediaStore

/// `media-store restore --from DIR/media-store.sqlite --media-dir DIR`: checks every blob the
/// backup's database names (present beside it in `media-store-blobs/`, hashing to its name, as
/// the manifest lists it) before anything changes, then restores the database like every
/// service (`RestoreCommand`) and puts the blobs in the media directory.
struct MediaRestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Check a backup (database and files) and put it in place (service stopped).")

    @Option(help: "The backup's database file (from lumactl backup).")
    var from: String

    @Option(help: "The database to replace.")
    var db: String?

    @Option(help: "The media directory to restore the files into.")
    var mediaDir = LumaDefaults.dataDirectory + "/media"

    func run() throws {
        let backupDirectory = URL(fileURLWithPath: from).deletingLastPathComponent().path
        var readonly = Configuration()
        readonly.readonly = true
        let hashes = try DatabaseQueue(path: from, configuration: readonly).read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM media ORDER BY sha256")
        }
        for sha256 in hashes {
            let path = "\(backupDirectory)/\(MediaBackup.directoryName)/\(sha256.prefix(2))/\(sha256)"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("the backup names file \(sha256) but \(path) is missing; nothing was changed")
            }
            guard try BlobDirectory.digest(of: path).sha256 == sha256 else {
                throw ValidationError("\(path) does not hash to its name (damaged); nothing was changed")
            }
        }
        var restore = try RestoreCommand<MediaStoreSchema>.parse(["--from", from] + (db.map { ["--db", $0] } ?? []))
        try restore.run()
        let blobs = try BlobDirectory(root: mediaDir)
        var copied = 0
        for sha256 in hashes where !blobs.hasBlob(sha256) {
            let staging = blobs.temporaryPath("restore-\(sha256)")
            try? FileManager.default.removeItem(atPath: staging)
            try FileManager.default.copyItem(atPath: "\(backupDirectory)/\(MediaBackup.directoryName)/\(sha256.prefix(2))/\(sha256)", toPath: staging)
            try blobs.adopt(staging, sha256: sha256)
            copied += 1
        }
        print("restored \(hashes.count) files into \(blobs.root) (\(copied) copied, \(hashes.count - copied) already there, all checked)")
    }
}
