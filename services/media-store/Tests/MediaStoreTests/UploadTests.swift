import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaTestSupport
import MediaAPI
import Testing
@testable import MediaStore

/// The chunk protocol and the checks on arrival, through the real provider on a temporary
/// database and blob directory (16 KiB chunks, so the small videos take several).
@Suite("Uploads")
struct UploadTests {
    @Test(arguments: [0, 1, 3, 7])
    func anUploadInterruptedAfterSomeChunksContinuesWhereTheServerSays(_ chunksBefore: Int) async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let original = try contents(files.small)
        let chunk = UInt64(bench.configuration.chunkSize)
        let session = try await bench.start(files.small)
        #expect(session.nextOffset == 0 && session.chunkSize == UInt32(chunk) && !session.finished && session.size == UInt64(original.count))
        #expect(!session.expiresAt.isEmpty)
        _ = try await bench.send(files.small, session, chunks: chunksBefore)

        // The connection dropped: the client asks, never guesses.
        let asked = try await bench.getUpload(session.uploadID)
        #expect(asked.nextOffset == min(UInt64(chunksBefore) * chunk, asked.size))
        #expect(!asked.finished && asked.uploadID == session.uploadID)
        #expect(bench.partFiles == (chunksBefore == 0 ? [] : ["\(session.uploadID).part"]))
        #expect(bench.blobFiles.isEmpty, "no blob before the file is whole and checked")

        let media = try await bench.finish(try await bench.send(files.small, asked))
        #expect(media.kind == .video && media.container == "mp4" && media.contentType == "video/mp4")
        #expect(media.width == 180 && media.height == 320 && media.videoCodec == "h264" && media.audioCodec == "aac")
        #expect((5_800...6_200).contains(media.durationMs))
        #expect(media.size == UInt64(original.count) && media.sha256 == sha256Hex(original) && media.fileName == "small.mp4")
        #expect(try contents(bench.blobs.blobPath(media.sha256)) == original)
        #expect(bench.partFiles.isEmpty)
        let done = try await bench.getUpload(session.uploadID)
        #expect(done.finished && done.mediaID == media.id && done.nextOffset == done.size && done.expiresAt.isEmpty)
        // Finishing again answers the same media.
        #expect(try await bench.finish(done) == media)
    }

    @Test func aRetriedChunkIsAcknowledgedAndNotStoredTwice() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let data = try contents(files.small)
        let chunk = bench.configuration.chunkSize
        let session = try await bench.start(files.small)
        let first = data.prefix(chunk)
        let afterFirst = try await bench.append(session, first, at: 0)
        #expect(afterFirst.nextOffset == UInt64(chunk))
        // The acknowledgement was lost; the client sends the same chunk again.
        #expect(try await bench.append(session, first, at: 0).nextOffset == UInt64(chunk))
        let second = data.subdata(in: chunk..<2 * chunk)
        #expect(try await bench.append(session, second, at: UInt64(chunk)).nextOffset == UInt64(2 * chunk))
        #expect(try await bench.append(session, second, at: UInt64(chunk)).nextOffset == UInt64(2 * chunk))
        #expect(try await bench.append(session, first, at: 0).nextOffset == UInt64(2 * chunk))
        let part = try contents(bench.blobs.partPath(session.uploadID))
        #expect(part == data.prefix(2 * chunk))
        let media = try await bench.finish(try await bench.send(files.small, try await bench.getUpload(session.uploadID)))
        #expect(media.sha256 == sha256Hex(data))
    }

    @Test func aChunkAtAnotherOffsetIsRefusedNamingTheNextOne() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let data = try contents(files.small)
        let chunk = bench.configuration.chunkSize
        let session = try await bench.start(files.small)
        _ = try await bench.append(session, data.prefix(chunk), at: 0)

        let ahead = await expectRPCError(.failedPrecondition, field: "offset") {
            _ = try await bench.append(session, data.subdata(in: 2 * chunk..<3 * chunk), at: UInt64(2 * chunk))
        }
        #expect(ahead?.message == "upload \(session.uploadID) continues at offset \(chunk), not \(2 * chunk); ask GetUpload and send from there")
        // Overlapping what is stored and going past it: also not the next offset.
        let overlapping = await expectRPCError(.failedPrecondition, field: "offset") {
            _ = try await bench.append(session, data.subdata(in: chunk / 2..<chunk / 2 + chunk), at: UInt64(chunk / 2))
        }
        #expect(overlapping?.message.contains("continues at offset \(chunk)") == true)
        _ = await expectRPCError(.invalidArgument, field: "offset") {
            _ = try await bench.append(session, Data([1, 2, 3]), at: UInt64.max)
        }
        _ = await expectRPCError(.invalidArgument, field: "offset") {
            _ = try await bench.append(session, Data([1, 2, 3]), at: UInt64(Int64.max) - 1)
        }
        _ = await expectRPCError(.invalidArgument, field: "data") {
            _ = try await bench.append(session, Data(count: chunk + 1), at: UInt64(chunk))
        }
        _ = await expectRPCError(.invalidArgument, field: "data") {
            _ = try await bench.append(session, Data(), at: UInt64(chunk))
        }
        let past = await expectRPCError(.invalidArgument, field: "data") {
            _ = try await bench.append(session, Data(count: 10), at: UInt64(data.count - 5))
        }
        #expect(past?.message == "the chunk ends at byte \(data.count + 5), past the file's \(data.count) bytes")
        // Finishing before every byte arrived says where to go on.
        let early = await expectRPCError(.failedPrecondition, field: "upload_id") { _ = try await bench.finish(session) }
        #expect(early?.message == "upload \(session.uploadID) has \(chunk) of \(data.count) bytes; send the rest from offset \(chunk)")
        // None of it changed the session.
        #expect(try await bench.getUpload(session.uploadID).nextOffset == UInt64(chunk))
        #expect(try contents(bench.blobs.partPath(session.uploadID)) == data.prefix(chunk))
    }

    @Test func bytesThatDoNotHashToTheAnnouncedSha256AreRefused() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let data = try contents(files.small)
        let announced = sha256Hex(data + Data([0]))
        let session = try await bench.service.startUpload(.with {
            $0.size = UInt64(data.count); $0.sha256 = announced.uppercased(); $0.kind = .video
        }, context: .test)
        #expect(session.sha256 == announced)
        _ = try await bench.send(files.small, session)
        let refused = await expectRPCError(.failedPrecondition, field: "file") { _ = try await bench.finish(session) }
        #expect(refused?.message == "the bytes received hash to sha256 \(sha256Hex(data).prefix(12))..., not the \(announced.prefix(12))... announced; upload it again")
        // The session ended with that answer.
        let again = await expectRPCError(.failedPrecondition, field: "file") { _ = try await bench.finish(session) }
        #expect(again?.message == refused?.message)
        let chunk = await expectRPCError(.failedPrecondition, field: "upload_id") { _ = try await bench.append(session, data.prefix(10), at: 0) }
        #expect(chunk?.message == "upload \(session.uploadID) was refused: \(refused?.message ?? "")")
        #expect(bench.partFiles.isEmpty && bench.blobFiles.isEmpty)
    }

    @Test func theStartIsCheckedBeforeAnyByte() async throws {
        let bench = try MediaBench()
        let good = String(repeating: "ab", count: 32)
        _ = await expectRPCError(.invalidArgument, field: "kind") {
            _ = try await bench.service.startUpload(.with { $0.size = 10; $0.sha256 = good }, context: .test)
        }
        _ = await expectRPCError(.invalidArgument, field: "size") {
            _ = try await bench.service.startUpload(.with { $0.size = 0; $0.sha256 = good; $0.kind = .video }, context: .test)
        }
        _ = await expectRPCError(.invalidArgument, field: "sha256") {
            _ = try await bench.service.startUpload(.with { $0.size = 10; $0.sha256 = "abc"; $0.kind = .video }, context: .test)
        }
        _ = await expectRPCError(.invalidArgument, field: "file_name") {
            _ = try await bench.service.startUpload(.with { $0.size = 10; $0.sha256 = good; $0.kind = .video; $0.fileName = "a\u{7}b" }, context: .test)
        }
        _ = await expectRPCError(.invalidArgument, field: "upload_id") {
            _ = try await bench.getUpload("../../etc/passwd")
        }
        _ = await expectRPCError(.notFound, field: "upload_id") {
            _ = try await bench.getUpload(String(repeating: "0", count: 32))
        }
        // A path as file name keeps only its last part (shown, never used as a path).
        let session = try await bench.service.startUpload(.with {
            $0.size = 10; $0.sha256 = good; $0.kind = .video; $0.fileName = "../../secret/clip.mp4"
        }, context: .test)
        let name = try await bench.database.read { try String.fetchOne($0, sql: "SELECT file_name FROM uploads WHERE id = ?", arguments: [session.uploadID]) }
        #expect(name == "clip.mp4")
    }

    @Test func theSizeCapAndTheQuotaAreCheckedAtStart() async throws {
        let files = try await Fixtures.files()
        var configuration = MediaBench.smallChunks()
        let size = try contents(files.small).count
        configuration.maxUploadSize = Int64(size) - 1
        let capped = try MediaBench(configuration: configuration)
        let cap = await expectRPCError(.invalidArgument, field: "size") { _ = try await capped.start(files.small) }
        #expect(cap?.message.hasPrefix("the file is ") == true && cap?.message.contains("is accepted") == true)

        configuration.maxUploadSize = 1 << 30
        // Room for the video, its thumbnail and one more open session of `other`, not for `vertical`.
        configuration.quotaPerCreator = Int64(size) + Int64(try contents(files.other).count) + 20_000
        let bench = try MediaBench(configuration: configuration)
        let stored = try await bench.upload(files.small, owner: 7)
        // What creator 7 holds: the video, its thumbnail, and what open sessions announced.
        let open = try await bench.start(files.other, owner: 7)
        let over = await expectRPCError(.resourceExhausted, field: "size") { _ = try await bench.start(files.vertical, owner: 7) }
        #expect(over?.message.hasPrefix("creator 7 holds ") == true && over?.message.contains("quota; this file needs") == true)
        // The same file again needs no bytes, so no quota; other creators and admins have their own.
        #expect(try await bench.start(files.small, owner: 7).mediaID == stored.id)
        _ = try await bench.start(files.vertical, owner: 8)
        _ = try await bench.start(files.vertical, owner: 0)
        // Cancelling the open session frees what it announced.
        #expect(try await bench.service.cancelUpload(.with { $0.uploadID = open.uploadID }, context: .test).cancelled)
        #expect(try await bench.service.cancelUpload(.with { $0.uploadID = open.uploadID }, context: .test).cancelled == false)
        _ = try await bench.start(files.other, owner: 7)
    }

    @Test func theSameFileTwiceNeedsNoBytesAndIsTheSameMedia() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let first = try await bench.upload(files.small, owner: 3)
        let blobs = bench.blobFiles
        let again = try await bench.start(files.small, owner: 3)
        #expect(again.finished && again.mediaID == first.id && again.nextOffset == again.size)
        #expect(try await bench.finish(again) == first)
        #expect(bench.partFiles.isEmpty && bench.blobFiles == blobs)
        // Another creator with the same bytes: a row of its own over the one blob.
        let other = try await bench.upload(files.small, owner: 4)
        #expect(other.id != first.id && other.sha256 == first.sha256 && other.ownerCreatorID == 4)
        #expect(bench.blobFiles == blobs)
    }

    @Test func aVideoGetsAThumbnailTakenFromIt() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let video = try await bench.upload(files.vertical, owner: 2)
        #expect(video.width == 540 && video.height == 960 && video.thumbnailID != 0)
        let thumbnail = try await bench.service.getMedia(.with { $0.id = video.thumbnailID }, context: .test)
        #expect(thumbnail.kind == .image && thumbnail.contentType == "image/jpeg" && thumbnail.container == "jpeg")
        #expect(thumbnail.width == 540 && thumbnail.height == 960 && thumbnail.ownerCreatorID == 2 && thumbnail.thumbnailID == 0)
        let first = try await bench.service.readMedia(.with { $0.id = thumbnail.id }, context: .test)
        #expect(first.data.prefix(2) == Data([0xFF, 0xD8]) && first.contentType == "image/jpeg" && first.size == thumbnail.size)
        var whole = first.data
        while whole.count < Int(thumbnail.size) {
            whole += try await bench.service.readMedia(.with { $0.id = thumbnail.id; $0.offset = UInt64(whole.count) }, context: .test).data
        }
        #expect(sha256Hex(whole) == thumbnail.sha256)
        #expect(filesUnder(bench.blobs.root + "/tmp").isEmpty)
    }

    @Test func phoneShapedFilesAreAccepted() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let mov = try await bench.upload(files.mov)
        #expect(mov.container == "mov" && mov.contentType == "video/quicktime" && mov.width == 180 && mov.height == 320)
        // Stored landscape with a quarter-turn, shown vertical: accepted as displayed.
        let rotated = try await bench.upload(files.rotated)
        #expect(rotated.width == 180 && rotated.height == 320)
        let png = try await bench.upload(files.verticalPNG, kind: .image)
        #expect(png.kind == .image && png.container == "png" && png.contentType == "image/png" && png.thumbnailID == 0 && png.durationMs == 0)
        let jpeg = try await bench.upload(files.verticalJPEG, kind: .image)
        #expect(jpeg.container == "jpeg" && jpeg.width == 180 && jpeg.height == 320)
    }

    /// Each bad file is refused with why, FAILED_PRECONDITION field "file"; the session then
    /// answers the same refusal, keeps no bytes, and no blob appears.
    @Test func badFilesAreRefusedWithTheReason() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let text = files.directory + "/notes.mp4"
        try Data("not a video at all\n".utf8).write(to: URL(fileURLWithPath: text))
        let cases: [(String, Luma_Media_V1_MediaKind, (String) -> Bool)] = [
            (files.landscape, .video, { $0 == "960x540 is landscape; shorts are vertical (9:16, e.g. 1080x1920)" }),
            (files.tooShort, .video, { $0 == "2 s is shorter than 5 s" }),
            (files.tooLong, .video, { $0.hasPrefix("1 min 3") && $0.hasSuffix(" s is longer than 90 s") }),
            (files.truncated, .video, { $0.hasPrefix("the video cannot be read to its end (") && $0.hasSuffix("); it may be cut short: upload the whole file")
                                            && !$0.contains(bench.blobs.root) }),
            (files.mpeg4, .video, { $0 == "video codec mpeg4 is not H.264 or HEVC; export the video as H.264 or HEVC" }),
            (files.mp3Audio, .video, { $0 == "audio codec mp3 is not AAC; export the video with AAC audio" }),
            (files.verticalPNG, .video, { $0 == "a png file is not a video a phone records; upload an MP4 or MOV" }),
            (files.landscapeJPEG, .image, { $0 == "320x180 is landscape; shorts are vertical (9:16, e.g. 1080x1920)" }),
            (files.small, .image, { $0 == "a thumbnail must be a JPEG or PNG image, not h264 (mov)" }),
            (text, .video, { $0.hasPrefix("the file is not a readable video (") && !$0.contains(bench.blobs.root) }),
        ]
        for (path, kind, matches) in cases {
            let session = try await bench.send(path, try await bench.start(path, kind: kind))
            let refused = await expectRPCError(.failedPrecondition, field: "file") { _ = try await bench.finish(session) }
            let reason = refused?.message ?? ""
            #expect(matches(reason), "\((path as NSString).lastPathComponent): \(reason)")
            let again = await expectRPCError(.failedPrecondition, field: "file") { _ = try await bench.finish(session) }
            #expect(again?.message == reason)
            let state = try await bench.getUpload(session.uploadID)
            #expect(!state.finished && state.mediaID == 0)
        }
        #expect(bench.partFiles.isEmpty && bench.blobFiles.isEmpty)
        #expect(try await bench.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM media") } == 0)
    }

    @Test func readMediaAnswersRangesAndRefusesPastTheEnd() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let data = try contents(files.small)
        let media = try await bench.upload(files.small)
        func read(_ offset: UInt64, _ length: UInt32) async throws -> Luma_Media_V1_ReadMediaResponse {
            try await bench.service.readMedia(.with { $0.id = media.id; $0.offset = offset; $0.length = length }, context: .test)
        }
        let head = try await read(0, 1000)
        #expect(head.data == data.prefix(1000) && head.size == UInt64(data.count) && head.contentType == "video/mp4")
        #expect(try await read(5000, 7).data == data.subdata(in: 5000..<5007))
        #expect(try await read(UInt64(data.count - 10), 100).data == data.suffix(10))
        // 0 or more than a chunk: one chunk.
        #expect(try await read(0, 0).data.count == bench.configuration.chunkSize)
        #expect(try await read(0, UInt32.max).data.count == bench.configuration.chunkSize)
        #expect(try await read(UInt64(data.count), 10).data.isEmpty)
        var whole = Data()
        while whole.count < data.count { whole += try await read(UInt64(whole.count), 0).data }
        #expect(whole == data)
        let past = await expectRPCError(.outOfRange, field: "offset") { _ = try await read(UInt64(data.count) + 1, 10) }
        #expect(past?.message == "offset \(data.count + 1) is past the file's \(data.count) bytes")
        _ = await expectRPCError(.outOfRange, field: "offset") { _ = try await read(UInt64.max, 10) }
        _ = await expectRPCError(.notFound, field: "id") {
            _ = try await bench.service.readMedia(.with { $0.id = media.id + 100 }, context: .test)
        }
        // A row whose file went missing says so.
        bench.blobs.removeBlob(media.sha256)
        _ = await expectRPCError(.dataLoss, field: "id") { _ = try await read(0, 10) }
        let check = try await bench.service.checkMedia(.with { $0.ids = [media.id, media.thumbnailID, 999] }, context: .test)
        #expect(check.existing == [media.id, media.thumbnailID].sorted())
    }

    /// A creator's token sees only its own sessions and media, as if the others did not exist.
    @Test func anotherCreatorsUploadAndMediaAreNotFound() async throws {
        let files = try await Fixtures.files()
        let bench = try MediaBench()
        let media = try await asCreator(5) { try await bench.upload(files.small, owner: 0) }
        #expect(media.ownerCreatorID == 5)
        let open = try await asCreator(5) { try await bench.start(files.other) }
        try await asCreator(6) {
            _ = await expectRPCError(.notFound, field: "upload_id") { _ = try await bench.getUpload(open.uploadID) }
            _ = await expectRPCError(.notFound, field: "upload_id") { _ = try await bench.append(open, Data([1]), at: 0) }
            _ = await expectRPCError(.notFound, field: "upload_id") { _ = try await bench.finish(open) }
            #expect(try await bench.service.cancelUpload(.with { $0.uploadID = open.uploadID }, context: .test).cancelled == false)
            _ = await expectRPCError(.notFound, field: "id") { _ = try await bench.service.getMedia(.with { $0.id = media.id }, context: .test) }
            _ = await expectRPCError(.notFound, field: "id") { _ = try await bench.service.readMedia(.with { $0.id = media.id }, context: .test) }
            _ = await expectRPCError(.permissionDenied, field: "owner_creator_id") { _ = try await bench.start(files.other, owner: 5) }
            // The same bytes uploaded by creator 6 are creator 6's own media.
            let own = try await bench.start(files.small)
            #expect(!own.finished)
        }
        #expect(try await asCreator(5) { try await bench.getUpload(open.uploadID) }.uploadID == open.uploadID)
    }
}
