import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaTestSupport
import MediaAPI
import NIOConcurrencyHelpers
import Testing
@testable import MediaStore

/// The clean-up, one pass at a time on a simulated clock (no sleeping), with content-pipeline's
/// answer decided by the test.
@Suite("Media clean-up")
struct MediaJanitorTests {
    static let day: TimeInterval = 86_400

    @Test func anIdleUploadExpiresWithItsBytesAndAnActiveOneDoesNot() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let janitor = bench.janitor(FakeHolders())
        let idle = try await bench.send(files.small, try await bench.start(files.small), chunks: 2)
        let active = try await bench.send(files.other, try await bench.start(files.other), chunks: 1)
        let finished = try await bench.upload(files.vertical)
        bench.clock.advance(by: 23 * 3600)
        #expect(try await janitor.runOnce().expiredUploads == 0)
        _ = try await bench.send(files.other, try await bench.getUpload(active.uploadID), chunks: 1)
        bench.clock.advance(by: 2 * 3600)
        let report = try await janitor.runOnce()
        #expect(report.expiredUploads == 1)
        _ = await expectRPCError(.notFound, field: "upload_id") { _ = try await bench.getUpload(idle.uploadID) }
        #expect(bench.partFiles == ["\(active.uploadID).part"])
        // The other is a day since its last chunk later, and goes then.
        bench.clock.advance(by: 23 * 3600)
        #expect(try await janitor.runOnce().expiredUploads == 1)
        #expect(bench.partFiles.isEmpty)
        // A finished session is not an idle one.
        #expect(try await bench.service.getMedia(.with { $0.id = finished.id }, context: .test) == finished)
    }

    @Test func unheldMediaGoAfterTheGracePeriodOnlyWhenContentPipelineReleasesThem() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let holders = FakeHolders()
        let janitor = bench.janitor(holders)
        let video = try await bench.upload(files.small)
        let session = try await bench.start(files.small)
        #expect(session.finished)

        // Within the grace period nothing is even asked.
        bench.clock.advance(by: 6 * Self.day)
        #expect(try await janitor.runOnce().removedMedia.isEmpty)
        #expect(holders.asked.withLockedValue { $0 }.isEmpty)

        // An item holds the video, not the thumbnail: the video stays, its grace starts again.
        holders.hold(video.id)
        bench.clock.advance(by: 2 * Self.day)
        let first = try await janitor.runOnce()
        #expect(first.removedMedia == [video.thumbnailID] && first.keptHeld == 1)
        #expect(holders.asked.withLockedValue { $0 } == [[video.thumbnailID, video.id].sorted()])
        #expect(try bench.mediaRow(video.id)?["last_held_at"] as String? == rfc3339(bench.clock.date))
        #expect(try bench.mediaRow(video.thumbnailID) == nil)
        #expect(bench.blobFiles == ["\(video.sha256.prefix(2))/\(video.sha256)"])

        // The item lets go of it: kept for another grace period from when it was last held...
        holders.drop(video.id)
        bench.clock.advance(by: 6 * Self.day)
        #expect(try await janitor.runOnce().removedMedia.isEmpty)
        #expect(holders.asked.withLockedValue { $0 }.count == 1)
        // ...then removed, row and file.
        bench.clock.advance(by: 2 * Self.day)
        #expect(try await janitor.runOnce().removedMedia == [video.id])
        #expect(bench.blobFiles.isEmpty)
        _ = await expectRPCError(.notFound, field: "id") { _ = try await bench.service.getMedia(.with { $0.id = video.id }, context: .test) }
        let gone = await expectRPCError(.notFound, field: "upload_id") { _ = try await bench.finish(session) }
        #expect(gone?.message == "upload \(session.uploadID)'s media was removed (no item held it)")
        // The same file now needs its bytes again, and becomes a new media (ids are never reused).
        let again = try await bench.upload(files.small)
        #expect(again.id > video.id)
    }

    @Test func nothingIsRemovedWhileContentPipelineIsUnreachable() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let holders = FakeHolders()
        let janitor = bench.janitor(holders)
        let video = try await bench.upload(files.small)
        let blobs = bench.blobFiles
        holders.reachable.withLockedValue { $0 = false }
        bench.clock.advance(by: 30 * Self.day)
        let report = try await janitor.runOnce()
        #expect(report.removedMedia.isEmpty && report.holdersUnreachable?.contains("content-pipeline is unreachable") == true)
        #expect(try bench.blobFiles == blobs && bench.mediaRow(video.id) != nil)
        holders.reachable.withLockedValue { $0 = true }
        #expect(try await janitor.runOnce().removedMedia == [video.thumbnailID, video.id].sorted())
        #expect(bench.blobFiles.isEmpty)
    }

    /// content-pipeline released them, but the answer was lost before anything was removed: the
    /// next pass asks again (a release is idempotent) and removes them then.
    @Test func aReleaseWhoseAnswerWasLostIsRemovedAtTheNextPass() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let holders = FakeHolders()
        let janitor = bench.janitor(holders)
        let video = try await bench.upload(files.small)
        holders.loseNextAnswer.withLockedValue { $0 = true }
        bench.clock.advance(by: 8 * Self.day)
        let lost = try await janitor.runOnce()
        #expect(lost.removedMedia.isEmpty && lost.holdersUnreachable != nil)
        #expect(holders.released.withLockedValue { $0 } == [video.id, video.thumbnailID])
        #expect(bench.blobs.hasBlob(video.sha256))
        #expect(try await janitor.runOnce().removedMedia == [video.thumbnailID, video.id].sorted())
        #expect(bench.blobFiles.isEmpty)
    }

    /// Two creators' rows over one blob: removing one row keeps the file the other names.
    @Test func aSharedBlobStaysWhileAnyRowNamesIt() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let holders = FakeHolders()
        let mine = try await bench.upload(files.small, owner: 3)
        let theirs = try await bench.upload(files.small, owner: 4)
        holders.hold(theirs.id, theirs.thumbnailID)
        bench.clock.advance(by: 8 * Self.day)
        let report = try await bench.janitor(holders).runOnce()
        #expect(Set(report.removedMedia) == [mine.id, mine.thumbnailID])
        let read = try await bench.service.readMedia(.with { $0.id = theirs.id; $0.length = 100 }, context: .test)
        #expect(read.data == (try contents(files.small)).prefix(100))
    }

    @Test func strayFilesNoRowNamesGoOnceAnHourOld() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let janitor = bench.janitor(FakeHolders())
        let kept = try await bench.upload(files.small)
        let open = try await bench.send(files.other, try await bench.start(files.other), chunks: 1)
        let stray = Data("left by a process killed between the rename and the commit".utf8)
        let strayHash = sha256Hex(stray)
        try FileManager.default.createDirectory(atPath: bench.blobs.root + "/blobs/" + strayHash.prefix(2), withIntermediateDirectories: true)
        try stray.write(to: URL(fileURLWithPath: bench.blobs.blobPath(strayHash)))
        try Data("x".utf8).write(to: URL(fileURLWithPath: bench.blobs.temporaryPath("thumbnail.jpg")))
        try Data("x".utf8).write(to: URL(fileURLWithPath: bench.blobs.partPath(String(repeating: "f", count: 32))))

        // Fresh: maybe a finish in progress. Left alone.
        let soon = try await janitor.runOnce()
        #expect(soon.removedBlobs == 0 && soon.removedStrays == 0 && bench.blobs.hasBlob(strayHash))
        bench.clock.advance(by: 2 * 3600)
        let later = try await janitor.runOnce()
        #expect(later.removedBlobs == 1 && later.removedStrays == 2)
        #expect(!bench.blobs.hasBlob(strayHash) && bench.blobs.hasBlob(kept.sha256))
        #expect(bench.partFiles == ["\(open.uploadID).part"])
        #expect(filesUnder(bench.blobs.root + "/tmp").isEmpty)
    }
}

/// A prober that can hold a call: the test forces what happens while a file is being checked.
struct GatedProber: MediaProber {
    let real = FFmpegProber()
    let points: PausePoints
    let calls = NIOLockedValueBox(0)

    /// The n-th probe of any file (1-based), video or thumbnail.
    static func probe(_ n: Int) -> PausePoint { PausePoint("probe-\(n)") }

    func probe(_ path: String) async throws -> ProbeResult {
        let n = calls.withLockedValue { $0 += 1; return $0 }
        await points.reached(Self.probe(n))
        return try await real.probe(path)
    }

    func readThrough(_ path: String) async throws -> String? { try await real.readThrough(path) }

    func extractThumbnail(from video: String, at seconds: Double, to output: String) async throws {
        try await real.extractThumbnail(from: video, at: seconds, to: output)
    }
}

/// FinishUpload is idempotent: a client that retries one that timed out, or cancels while the
/// file is checked, meets the first call in the middle. Forced in each order.
@Suite("Finishing races")
struct FinishRaceTests {
    @Test func aSecondFinishWhileTheFirstIsCheckingAnswersTheSameMedia() async throws {
        let files = try await Fixtures.files()
        let pauses = PauseController()
        let bench = try MediaBench(prober: GatedProber(points: pauses.points))
        let session = try await bench.send(files.small, try await bench.start(files.small))
        let held = pauses.arm(GatedProber.probe(1))
        let first = Task { try await bench.finish(session) }
        await held.reached()
        let second = try await bench.finish(session)
        held.resume()
        // The first one's file was moved into blobs/ under it: it answers what the second stored.
        #expect(try await first.value == second)
        let state = try await bench.getUpload(session.uploadID)
        #expect(state.finished && state.mediaID == second.id)
        #expect(try await bench.finish(session) == second)
        #expect(bench.blobs.hasBlob(second.sha256) && bench.partFiles.isEmpty)
    }

    @Test func aCancelWhileTheFileIsCheckedLeavesNothing() async throws {
        let files = try await Fixtures.files()
        let pauses = PauseController()
        let bench = try MediaBench(prober: GatedProber(points: pauses.points))
        let session = try await bench.send(files.small, try await bench.start(files.small))
        // The video passed; its thumbnail is being checked.
        let held = pauses.arm(GatedProber.probe(2))
        let finish = Task { try await bench.finish(session) }
        await held.reached()
        #expect(try await bench.service.cancelUpload(.with { $0.uploadID = session.uploadID }, context: .test).cancelled)
        held.resume()
        _ = await expectRPCError(.notFound, field: "upload_id") { _ = try await finish.value }
        #expect(bench.blobFiles.isEmpty && bench.partFiles.isEmpty && filesUnder(bench.blobs.root + "/tmp").isEmpty)
        #expect(try await bench.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM media") } == 0)
    }
}
