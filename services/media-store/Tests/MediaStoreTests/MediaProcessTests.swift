import Foundation
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import MediaAPI
import MediaClient
import OpsAPI
import Testing

/// The media-store executable (built by `swift build`) as a child process: restarts, kill -9 in
/// the middle of an upload, backup and restore of the files.
@Suite("media-store as a process", .serialized)
struct MediaProcessTests {
    /// One data directory; `start()` runs media-store on it (again). A small frame limit makes
    /// the chunk size 28 KiB, so the small test video takes five chunks.
    struct Service {
        let directory = temporaryDirectory()
        var database: String { directory + "/media-store.sqlite" }
        var mediaDirectory: String { directory + "/media" }

        func start(database: String? = nil, media: String? = nil) async throws -> (ServiceProcess, Luma_Media_V1_MediaStoreClient, RPCClient) {
            let process = try await ServiceProcess("media-store", [
                "--db", database ?? self.database, "--media-dir", media ?? mediaDirectory, "--content", "127.0.0.1:9",
                "--insecure-dev", "--log-level", "warning", "--max-frame-size", "32768"])
            let rpc = RPCClient(endpoint: process.endpoint)
            return (process, Luma_Media_V1_MediaStoreClient(rpc), rpc)
        }
    }

    @Test func anUploadInterruptedByARestartContinuesAfterIt() async throws {
        let files = try await Fixtures.files()
        let service = Service()
        let data = try contents(files.small)
        var (process, client, rpc) = try await service.start()
        let session = try await client.startUpload(.with {
            $0.size = UInt64(data.count); $0.sha256 = sha256Hex(data); $0.kind = .video; $0.fileName = "small.mp4"
        })
        #expect(session.chunkSize == 32768 - 4096)
        let chunk = Int(session.chunkSize)
        var next = try await client.appendChunk(.with { $0.uploadID = session.uploadID; $0.offset = 0; $0.data = data.prefix(chunk) })
        next = try await client.appendChunk(.with { $0.uploadID = session.uploadID; $0.offset = next.nextOffset; $0.data = data.subdata(in: chunk..<2 * chunk) })
        #expect(next.nextOffset == UInt64(2 * chunk))
        #expect(await process.stop() == 0)

        (process, client, rpc) = try await service.start()
        #expect(try await client.getUpload(.with { $0.uploadID = session.uploadID }).nextOffset == UInt64(2 * chunk))
        let media = try await MediaUploader(client: rpc).upload(path: files.small, kind: .video, resume: session.uploadID)
        #expect(media.sha256 == sha256Hex(data) && media.width == 180 && media.height == 320 && media.fileName == "small.mp4")
        #expect(try contents(service.mediaDirectory + "/blobs/\(media.sha256.prefix(2))/\(media.sha256)") == data)
        #expect(filesUnder(service.mediaDirectory + "/uploads").isEmpty)
        await process.stop()
    }

    @Test func killedInTheMiddleOfAnUploadItLeavesOnlyAPartFileAndTheUploadResumes() async throws {
        let files = try await Fixtures.files()
        let service = Service()
        let data = try contents(files.small)
        var (process, _, rpc) = try await service.start()
        let pid = process.pid
        // Killed from the progress report once two chunks are stored: the next one is on its way.
        var uploader = MediaUploader(client: rpc, attempts: 1)
        uploader.backoff.initial = .milliseconds(1)
        let interrupted: UploadInterrupted? = await {
            do {
                _ = try await uploader.upload(path: files.small, kind: .video) { stored, _ in
                    if stored >= 2 * (32768 - 4096) { kill(pid, SIGKILL) }
                }
                return nil
            } catch let error as UploadInterrupted {
                return error
            } catch {
                Issue.record("expected UploadInterrupted, got \(error)")
                return nil
            }
        }()
        await process.kill()
        let stopped = try #require(interrupted)
        #expect(stopped.stored >= UInt64(2 * (32768 - 4096)) && stopped.stored < UInt64(data.count))
        #expect(filesUnder(service.mediaDirectory + "/blobs").isEmpty)
        #expect(filesUnder(service.mediaDirectory + "/uploads") == ["\(stopped.uploadID).part"])

        (process, _, rpc) = try await service.start()
        let media = try await MediaUploader(client: rpc).upload(path: files.small, kind: .video, resume: stopped.uploadID)
        #expect(media.sha256 == sha256Hex(data))
        #expect(filesUnder(service.mediaDirectory + "/blobs").contains("\(media.sha256.prefix(2))/\(media.sha256)"))
        #expect(filesUnder(service.mediaDirectory + "/uploads").isEmpty)
        await process.stop()
    }

    @Test func aBackupCopiesTheFilesAndRestoreChecksThem() async throws {
        let files = try await Fixtures.files()
        let service = Service()
        var (process, client, rpc) = try await service.start()
        let uploader = MediaUploader(client: rpc)
        let small = try await uploader.upload(path: files.small, kind: .video)
        let other = try await uploader.upload(path: files.other, kind: .video)
        let backup = temporaryDirectory() + "/backup"
        let snapshot = try await Luma_Ops_V1_BackupClient(rpc).snapshot(.with { $0.directory = backup })
        #expect(snapshot.service == "media-store" && snapshot.path == backup + "/media-store.sqlite")
        var expected: [String] = []
        for id in [small.id, small.thumbnailID, other.id, other.thumbnailID] {
            expected.append(try await client.getMedia(.with { $0.id = id }).sha256)
        }
        #expect(snapshot.files.map(\.sha256) == Array(Set(expected)).sorted())
        for file in snapshot.files {
            #expect(file.path == "media-store-blobs/\(file.sha256.prefix(2))/\(file.sha256)")
            let copied = try contents(backup + "/" + file.path)
            #expect(sha256Hex(copied) == file.sha256 && UInt64(copied.count) == file.bytes)
        }
        #expect(await process.stop() == 0)

        // One file damaged: nothing is restored.
        let fresh = temporaryDirectory()
        let damaged = backup + "/" + snapshot.files[0].path
        var bytes = try contents(damaged)
        let good = bytes
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let arguments = ["restore", "--from", backup + "/media-store.sqlite", "--db", fresh + "/media-store.sqlite", "--media-dir", fresh + "/media"]
        let refused = try await runCommand("media-store", arguments)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("\(damaged) does not hash to its name (damaged); nothing was changed"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh + "/media-store.sqlite"))
        #expect(filesUnder(fresh + "/media/blobs").isEmpty)

        // Whole again: every file restored and checked, and the service serves them.
        try good.write(to: URL(fileURLWithPath: damaged))
        let restored = try await runCommand("media-store", arguments)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("restored \(snapshot.files.count) files into \(fresh)/media (\(snapshot.files.count) copied, 0 already there, all checked)"),
                "\(restored.stdout)")
        for file in snapshot.files {
            #expect(sha256Hex(try contents("\(fresh)/media/blobs/\(file.sha256.prefix(2))/\(file.sha256)")) == file.sha256)
        }
        (process, client, rpc) = try await service.start(database: fresh + "/media-store.sqlite", media: fresh + "/media")
        var whole = Data()
        while whole.count < Int(small.size) {
            whole += try await client.readMedia(.with { $0.id = small.id; $0.offset = UInt64(whole.count) }).data
        }
        #expect(whole == (try contents(files.small)))
        #expect(try await client.startUpload(.with { $0.size = small.size; $0.sha256 = small.sha256; $0.kind = .video }).mediaID == small.id)
        await process.stop()
    }
}
