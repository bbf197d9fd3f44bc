import ContentAPI
import ContentPipeline
import CreatorsAPI
import Foundation
import GRDB
import Logging
import LumaAuth
import LumaRPC
import LumaServiceKit
import LumaTestSupport
import MediaAPI
import MediaClient
import Testing
@testable import MediaStore

/// The four services in one process (InProcessStack): a submission names media-store's files
/// by id, checked over RPC, and the clean-up never removes what an item holds
/// (docs/integrity.md, "Daily content -> media"), each race forced in both orders.
@Suite("Media across services", .serialized)
struct MediaReferenceTests {
    static let day: TimeInterval = 86_400

    /// A stack, a creator with an assigned item, and typed clients (admin or, authenticated, a
    /// token per caller).
    struct World {
        let stack: InProcessStack
        let content: Luma_Content_V1_ContentPipelineClient
        let creators: Luma_Creators_V1_CreatorRegistryClient
        let media: Luma_Media_V1_MediaStoreClient
        let mediaRPC: RPCClient

        init(_ stack: InProcessStack) {
            self.stack = stack
            content = .init(stack.adminClient(stack.contentEndpoint))
            creators = .init(stack.adminClient(stack.creatorsEndpoint))
            mediaRPC = stack.adminClient(stack.mediaEndpoint)
            media = .init(mediaRPC)
        }

        func creator() async throws -> Luma_Creators_V1_Creator {
            let user = try await creators.createUser(.with {
                $0.email = "c\(UUID().uuidString.prefix(8))@example.com"; $0.displayName = "C"; $0.role = .creator
            })
            return try await creators.createCreator(.with {
                $0.userID = user.id; $0.displayName = "Creator"; $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = 31
            })
        }

        /// A positivity item on `date`, generated and assigned to `creator`.
        func assignedItem(_ date: String, to creator: Int64) async throws -> Luma_Content_V1_ContentItem {
            _ = try await content.plan(.with { $0.fromDate = date; $0.toDate = date; $0.modes = [.positivity] })
            let generated = try await content.generate(.with { $0.range = .with { $0.fromDate = date; $0.toDate = date } })
            #expect(generated.failures.isEmpty, "\(generated.failures)")
            return try await content.assign(.with { $0.id = generated.items[0].id; $0.creatorID = creator })
        }

        func upload(_ path: String, owner: Int64, client: RPCClient? = nil) async throws -> Luma_Media_V1_Media {
            try await MediaUploader(client: client ?? mediaRPC).upload(path: path, kind: .video, owner: owner)
        }

        /// media-store's clean-up on the stack's own database and files, on a clock the test moves.
        func janitor(_ clock: SimulatedClock) throws -> MediaJanitor {
            let database = try ServiceDatabase.open(path: (stack.mediaDirectory as NSString).deletingLastPathComponent + "/media.sqlite")
            return MediaJanitor(database: database, blobs: try BlobDirectory(root: stack.mediaDirectory),
                                holders: RPCMediaHolders(client: stack.adminClient(stack.contentEndpoint)), configuration: .init(),
                                now: clock.now, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
    }

    @Test func aSubmissionByMediaIDShowsWhatMediaStoreMeasured() async throws {
        let files = try await Fixtures.files()
        let world = World(try await InProcessStack())
        let creator = try await world.creator()
        let item = try await world.assignedItem("2027-03-01", to: creator.id)
        let video = try await world.upload(files.small, owner: creator.id)
        let submitted = try await world.content.submit(.with { $0.id = item.id; $0.videoMediaID = video.id })
        #expect(submitted.status == .submitted)
        #expect(submitted.videoMediaID == video.id && submitted.thumbnailMediaID == video.thumbnailID)
        #expect(submitted.videoDurationMs == video.durationMs && (5_800...6_200).contains(submitted.videoDurationMs))
        #expect(submitted.videoWidth == 180 && submitted.videoHeight == 320 && submitted.videoCodecs == "h264/aac")
        let shown = try await world.content.get(.with { $0.id = item.id })
        #expect(shown.videoMediaID == video.id && shown.videoCodecs == "h264/aac" && shown.videoDurationMs == video.durationMs)
        await world.stack.stop()
    }

    @Test func anotherCreatorsMediaAndUnknownMediaAreRefused() async throws {
        let files = try await Fixtures.files()
        let world = World(try await InProcessStack())
        let owner = try await world.creator(), other = try await world.creator()
        let item = try await world.assignedItem("2027-03-02", to: owner.id)
        let theirs = try await world.upload(files.small, owner: other.id)
        let denied = await expectRPCError(.permissionDenied, field: "video_media_id") {
            _ = try await world.content.submit(.with { $0.id = item.id; $0.videoMediaID = theirs.id })
        }
        #expect(denied?.message == "media \(theirs.id) was uploaded by another creator, not item \(item.id)'s")
        let unknown = await expectRPCError(.notFound, field: "video_media_id") {
            _ = try await world.content.submit(.with { $0.id = item.id; $0.videoMediaID = 9_999 })
        }
        #expect(unknown?.message == "media 9999 does not exist in media-store")
        // A thumbnail is not a video.
        _ = await expectRPCError(.failedPrecondition, field: "video_media_id") {
            _ = try await world.content.submit(.with { $0.id = item.id; $0.videoMediaID = theirs.thumbnailID })
        }
        let unchanged = try await world.content.get(.with { $0.id = item.id })
        #expect(unchanged.status == .assigned && unchanged.videoMediaID == 0)
        // An admin's upload (owner 0) may be submitted for any creator's item.
        let admins = try await world.upload(files.other, owner: 0)
        #expect(try await world.content.submit(.with { $0.id = item.id; $0.videoMediaID = admins.id }).status == .submitted)
        await world.stack.stop()
    }

    /// With tokens: a creator sees only its own sessions and media; its own submit works.
    @Test func aCreatorTokenSeesOnlyItsOwnUploadsAndMedia() async throws {
        let files = try await Fixtures.files()
        let stack = try await InProcessStack(authenticated: true)
        let world = World(stack)
        let signer = try #require(stack.signer)
        let alice = try await world.creator(), bob = try await world.creator()
        func token(_ creator: Int64) -> String { signer.mint(Principal(subject: "creator-\(creator)", role: .creator, creatorID: creator), ttl: 3600) }
        let aliceRPC = stack.client(stack.mediaEndpoint, token: token(alice.id))
        let bobMedia = Luma_Media_V1_MediaStoreClient(stack.client(stack.mediaEndpoint, token: token(bob.id)))
        let aliceMedia = Luma_Media_V1_MediaStoreClient(aliceRPC)

        let video = try await world.upload(files.small, owner: 0, client: aliceRPC)
        #expect(video.ownerCreatorID == alice.id)
        let data = try contents(files.other)
        let open = try await aliceMedia.startUpload(.with { $0.size = UInt64(data.count); $0.sha256 = sha256Hex(data); $0.kind = .video })
        _ = await expectRPCError(.notFound, field: "upload_id") { _ = try await bobMedia.getUpload(.with { $0.uploadID = open.uploadID }) }
        _ = await expectRPCError(.notFound, field: "upload_id") {
            _ = try await bobMedia.appendChunk(.with { $0.uploadID = open.uploadID; $0.offset = 0; $0.data = data.prefix(100) })
        }
        _ = await expectRPCError(.notFound, field: "upload_id") { _ = try await bobMedia.finishUpload(.with { $0.uploadID = open.uploadID }) }
        #expect(try await bobMedia.cancelUpload(.with { $0.uploadID = open.uploadID }).cancelled == false)
        _ = await expectRPCError(.notFound, field: "id") { _ = try await bobMedia.getMedia(.with { $0.id = video.id }) }
        _ = await expectRPCError(.notFound, field: "id") { _ = try await bobMedia.readMedia(.with { $0.id = video.id }) }
        _ = await expectRPCError(.permissionDenied, field: "owner_creator_id") {
            _ = try await bobMedia.startUpload(.with { $0.size = 10; $0.sha256 = sha256Hex(data); $0.kind = .video; $0.ownerCreatorID = alice.id })
        }
        // Which media exist is the services' question, not a creator's.
        _ = await expectRPCError(.permissionDenied) { _ = try await aliceMedia.checkMedia(.with { $0.ids = [video.id] }) }
        _ = await expectRPCError(.unauthenticated) {
            _ = try await Luma_Media_V1_MediaStoreClient(stack.client(stack.mediaEndpoint)).getMedia(.with { $0.id = video.id })
        }
        #expect(try await aliceMedia.getUpload(.with { $0.uploadID = open.uploadID }).uploadID == open.uploadID)
        let head = try await aliceMedia.readMedia(.with { $0.id = video.id; $0.length = 8 }).data
        #expect(head == (try contents(files.small)).prefix(8))

        // Alice submits her own item with her own upload (content-pipeline asks with its service token).
        let item = try await world.assignedItem("2027-03-03", to: alice.id)
        let aliceContent = Luma_Content_V1_ContentPipelineClient(stack.client(stack.contentEndpoint, token: token(alice.id)))
        #expect(try await aliceContent.submit(.with { $0.id = item.id; $0.videoMediaID = video.id }).videoMediaID == video.id)
        await stack.stop()
    }

    /// Submit checked the media, then the clean-up released and removed it before submit wrote:
    /// the tombstone refuses the write, and the item keeps its state.
    @Test func theCleanUpReleasesWhileSubmitWaitsAfterItsCheck() async throws {
        let files = try await Fixtures.files()
        let pauses = PauseController()
        let world = World(try await InProcessStack(pausePoints: pauses.points))
        let clock = SimulatedClock()
        let janitor = try world.janitor(clock)
        let creator = try await world.creator()
        let item = try await world.assignedItem("2027-03-04", to: creator.id)
        let video = try await world.upload(files.small, owner: creator.id)

        let held = pauses.arm(ContentPipelinePausePoints.submitAfterMediaCheck)
        let content = world.content
        let submit = Task { try await content.submit(.with { $0.id = item.id; $0.videoMediaID = video.id }) }
        await held.reached()
        clock.advance(by: 8 * Self.day)
        let report = try await janitor.runOnce()
        #expect(Set(report.removedMedia) == [video.id, video.thumbnailID] && report.keptHeld == 0)
        held.resume()
        let refused = await expectRPCError(.notFound, field: "video_media_id") { _ = try await submit.value }
        #expect(refused?.message == "media \(video.id) was removed from media-store (no item held it); upload the file again")
        let after = try await content.get(.with { $0.id = item.id })
        #expect(after.status == .assigned && after.videoMediaID == 0)
        _ = await expectRPCError(.notFound, field: "id") { _ = try await world.media.getMedia(.with { $0.id = video.id }) }
        #expect(filesUnder(world.stack.mediaDirectory + "/blobs").isEmpty)
        // Submitting it again is refused by media-store's own answer now.
        _ = await expectRPCError(.notFound, field: "video_media_id") {
            _ = try await content.submit(.with { $0.id = item.id; $0.videoMediaID = video.id })
        }
        await world.stack.stop()
    }

    /// Submit wrote first: the clean-up finds the media held, keeps them, and starts their grace
    /// period again; once the item lets go (deleted), they go after a grace period.
    @Test func submitCommitsBeforeTheCleanUpAsksSoTheMediaStay() async throws {
        let files = try await Fixtures.files()
        let pauses = PauseController()
        let world = World(try await InProcessStack(pausePoints: pauses.points))
        let clock = SimulatedClock()
        let janitor = try world.janitor(clock)
        let creator = try await world.creator()
        let item = try await world.assignedItem("2027-03-05", to: creator.id)
        let video = try await world.upload(files.small, owner: creator.id)

        let held = pauses.arm(ContentPipelinePausePoints.submitAfterMediaCheck)
        let content = world.content
        let submit = Task { try await content.submit(.with { $0.id = item.id; $0.videoMediaID = video.id }) }
        await held.reached()
        held.resume()
        #expect(try await submit.value.status == .submitted)
        clock.advance(by: 8 * Self.day)
        let report = try await janitor.runOnce()
        #expect(report.removedMedia.isEmpty && report.keptHeld == 2 && report.holdersUnreachable == nil)
        let lastHeld = try await janitor.database.read {
            try String.fetchAll($0, sql: "SELECT last_held_at FROM media WHERE id IN (?, ?)", arguments: [video.id, video.thumbnailID])
        }
        #expect(lastHeld == [rfc3339(clock.date), rfc3339(clock.date)])
        #expect(try await world.media.getMedia(.with { $0.id = video.id }) == video)
        clock.advance(by: 8 * Self.day)
        #expect(try await janitor.runOnce().keptHeld == 2)

        // The item is deleted: nothing holds them, and the next pass past the grace removes them.
        _ = try await content.delete(.with { $0.id = item.id })
        clock.advance(by: 8 * Self.day)
        #expect(Set(try await janitor.runOnce().removedMedia) == [video.id, video.thumbnailID])
        #expect(filesUnder(world.stack.mediaDirectory + "/blobs").isEmpty)
        await world.stack.stop()
    }

    /// content-pipeline cannot be asked (no server at its address): nothing is removed.
    @Test func anUnreachableContentPipelineRemovesNothing() async throws {
        let files = try await Fixtures.files()
        let world = World(try await InProcessStack())
        let video = try await world.upload(files.small, owner: 0)
        let database = try ServiceDatabase.open(path: (world.stack.mediaDirectory as NSString).deletingLastPathComponent + "/media.sqlite")
        let clock = SimulatedClock()
        clock.advance(by: 30 * Self.day)
        let nowhere = world.stack.client(RPCEndpoint(host: "nobody", port: 1)) { $0.defaultTimeout = .seconds(2) }
        let janitor = MediaJanitor(database: database, blobs: try BlobDirectory(root: world.stack.mediaDirectory),
                                   holders: RPCMediaHolders(client: nowhere), configuration: .init(), now: clock.now,
                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let report = try await janitor.runOnce()
        #expect(report.removedMedia.isEmpty && report.holdersUnreachable != nil)
        #expect(try await world.media.getMedia(.with { $0.id = video.id }) == video)
        #expect(filesUnder(world.stack.mediaDirectory + "/blobs").count == 2)
        await world.stack.stop()
    }
}
