import Foundation
import GRDB
import Logging
import LumaServiceKit
import ServiceLifecycle

/// media-store's clean-up, every `cleanupInterval`:
/// - upload sessions idle for `uploadExpiry` are dropped with their bytes;
/// - media unheld for `mediaGrace` are removed, but only those content-pipeline releases
///   (`MediaHolders`): while it is unreachable nothing is removed;
/// - blobs no row names (a process killed between moving a file in and recording it) and stray
///   temporary files older than an hour are deleted.
/// `runOnce(now:)` is one pass, which the tests drive on simulated time.
public final class MediaJanitor: Service, Sendable {
    let database: DatabasePool
    let blobs: BlobDirectory
    let holders: any MediaHolders
    let configuration: MediaStoreConfiguration
    let now: MediaClock
    let logger: Logger

    public init(database: DatabasePool, blobs: BlobDirectory, holders: any MediaHolders, configuration: MediaStoreConfiguration,
                now: @escaping MediaClock = { Date() }, logger: Logger) {
        self.database = database
        self.blobs = blobs
        self.holders = holders
        self.configuration = configuration
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        // A graceful shutdown cancels the wait between passes: that is the end of the loop, not
        // a failure (thrown, it would make the whole process exit with an error on SIGTERM).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: .seconds(self.configuration.cleanupInterval))
                } catch {
                    return
                }
                do {
                    let report = try await self.runOnce()
                    if report.didSomething { self.logger.info("media clean-up", metadata: report.metadata) }
                } catch {
                    self.logger.warning("media clean-up failed; retried at the next pass", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    public struct Report: Sendable, Equatable {
        public var expiredUploads = 0
        public var removedMedia: [Int64] = []
        public var keptHeld = 0
        public var removedBlobs = 0
        public var removedStrays = 0
        /// Why unheld media were not checked this pass (content-pipeline unreachable).
        public var holdersUnreachable: String?

        var didSomething: Bool { expiredUploads + removedMedia.count + removedBlobs + removedStrays > 0 || holdersUnreachable != nil }
        var metadata: Logger.Metadata {
            ["expired_uploads": "\(expiredUploads)", "removed_media": "\(removedMedia.count)", "kept_held": "\(keptHeld)",
             "removed_blobs": "\(removedBlobs)", "removed_strays": "\(removedStrays)", "holders_unreachable": "\(holdersUnreachable ?? "no")"]
        }
    }

    @discardableResult
    public func runOnce() async throws -> Report {
        var report = Report()
        let current = now()
        let blobs = self.blobs

        // 1. Idle uploads.
        let idleCutoff = rfc3339(current.addingTimeInterval(-configuration.uploadExpiry))
        let expired = try await database.measured.write { db -> [String] in
            let ids = try MediaCatalog.idleUploads(db, before: idleCutoff)
            try MediaCatalog.deleteUploads(db, ids: ids)
            return ids
        }
        for id in expired { blobs.removePart(id) }
        report.expiredUploads = expired.count

        // 2. Media no item has held for the grace period, in batches.
        let graceCutoff = rfc3339(current.addingTimeInterval(-configuration.mediaGrace))
        var after: Int64 = 0
        while true {
            let start = after
            let candidates = try await database.measured.read { db in
                try MediaCatalog.unheldSince(db, before: graceCutoff, after: start, limit: 500)
            }
            guard !candidates.isEmpty else { break }
            after = candidates.last!
            let answer: (released: [Int64], held: [Int64])
            do {
                answer = try await holders.releaseUnheld(candidates)
            } catch {
                report.holdersUnreachable = "\(error)"
                break
            }
            let stamp = rfc3339(current)
            let released = Set(answer.released).intersection(candidates)
            try await database.measured.write { db in
                try MediaCatalog.markHeld(db, ids: answer.held, now: stamp)
                // Rows and their files go together, in the transaction a finish would need to
                // record the same bytes again: a blob is never removed under a new row.
                for sha256 in try MediaCatalog.deleteMedia(db, ids: released.sorted()) { blobs.removeBlob(sha256) }
            }
            report.removedMedia += released.sorted()
            report.keptHeld += answer.held.count
            if candidates.count < 500 { break }
        }

        // 3. Stray temporary files, part files no session names and trash an hour old, then blobs
        //    no row names (into the trash: a backup copying right now may still need them).
        let hourAgo = current.addingTimeInterval(-3600)
        let open = try await database.measured.read { try MediaCatalog.openUploads($0) }
        for stray in blobs.strayFiles(openUploads: open) where stray.modified < hourAgo {
            try? FileManager.default.removeItem(atPath: stray.path)
            report.removedStrays += 1
        }
        for blob in blobs.blobs() where blob.modified < hourAgo {
            let removed = try await database.measured.write { db -> Bool in
                guard try !MediaCatalog.isKnown(db, sha256: blob.sha256) else { return false }
                blobs.removeBlob(blob.sha256)
                return true
            }
            if removed { report.removedBlobs += 1 }
        }
        return report
    }
}
