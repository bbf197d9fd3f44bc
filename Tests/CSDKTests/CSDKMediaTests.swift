import Foundation
import LumaAuth
import LumaTestSupport
import Testing

/// The C SDK's media-store calls and its upload helper against a real media-store process, with
/// videos made here by ffmpeg (never committed).
@Suite("C SDK media uploads", .serialized)
struct CSDKMediaTests {
    /// A 6 s 540x960 H.264/AAC video; `frequency` makes each file's bytes differ.
    static func makeVideo(_ path: String, frequency: Int) async throws {
        let made = try await CBuild.run("/usr/bin/ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc=size=540x960:rate=30", "-f", "lavfi", "-i", "sine=frequency=\(frequency)",
            "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path,
        ])
        #expect(made.status == 0, "\(made.output)")
    }

    static func fileSize(_ path: String) throws -> UInt64 {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).uint64Value
    }

    @Test func theHelperUploadsAndResumesAVideoWithoutResendingWhatTheServerHolds() async throws {
        let work = temporaryDirectory()
        let (first, second) = (work + "/v.mp4", work + "/w.mp4")
        try await Self.makeVideo(first, frequency: 440)
        try await Self.makeVideo(second, frequency: 660)

        // The library and the example through make, as a C programmer builds them.
        let build = try await CBuild.shell("make -s BUILD=\(work)/build", in: CBuild.root)
        #expect(build.status == 0, "\(build.output)")
        let mediaTest = try await CBuild.compile("media_test", ["tests/media_test.c", "src/luma_rpc.c", "src/luma_media.c"],
                                                 libraries: ["-lcrypto"])

        // media-store on its own, authenticated, with 64 KiB chunks (frame limit 68 KiB) so the
        // videos take several. content-pipeline is only asked during clean-up: a reserved port.
        let key = work + "/auth.key"
        try AuthKeyFile.create(at: key)
        let signer = try TokenSigner(key: try AuthKeyFile.read(key))
        let creator: Int64 = 7
        let token = signer.mint(Principal(subject: "c-media", role: .creator, creatorID: creator), ttl: 600)
        let media = try await ServiceProcess("media-store", [
            "--auth-key", key, "--db", work + "/media-store.sqlite", "--media-dir", work + "/media",
            "--content", "127.0.0.1:\(try await reservePort())", "--max-frame-size", "69632", "--log-level", "warning",
        ])
        let port = media.endpoint.port

        let result = try await CBuild.run(mediaTest, ["127.0.0.1", "\(port)", first, second, "\(creator)"],
                                          underValgrind: true, environment: ["LUMA_TOKEN": token])
        #expect(result.status == 0, "\(result.output)\n\(media.log)")
        #expect(result.output.hasSuffix("0 failed\n"), "\(result.output)")
        // (Check lines start "ok" or "FAIL"; FAILED_PRECONDITION appears in passing ones.)
        #expect(!result.output.split(separator: "\n").contains { $0.hasPrefix("FAIL") }, "\(result.output)")
        // "media NAME ID SIZE": the ids the server gave and the sizes of the files on disk.
        var stored: [String: (id: Int64, size: UInt64)] = [:]
        for line in result.output.split(separator: "\n") where line.hasPrefix("media ") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 4, let id = Int64(fields[2]), let size = UInt64(fields[3]) else { continue }
            stored[fields[1]] = (id, size)
        }
        let firstMedia = try #require(stored["first"])
        let secondMedia = try #require(stored["second"])
        let (firstSize, secondSize) = (try Self.fileSize(first), try Self.fileSize(second))
        #expect(firstMedia.id > 0 && secondMedia.id > 0 && firstMedia.id != secondMedia.id)
        #expect(firstMedia.size == firstSize)
        #expect(secondMedia.size == secondSize)

        // The example, built by make: the first file is already held, so it answers the same media.
        let example = "\(work)/build/media_upload"
        let upload = try await CBuild.run(example, ["127.0.0.1", "\(port)", first], environment: ["LUMA_TOKEN": token])
        #expect(upload.status == 0, "\(upload.output)")
        #expect(upload.output.contains("media \(firstMedia.id): \(firstMedia.size) bytes, 540x960, 6000 ms, h264/aac, thumbnail "),
                "\(upload.output)")
        let anonymous = try await CBuild.run(example, ["127.0.0.1", "\(port)", first])
        #expect(anonymous.status != 0 && anonymous.output.contains("UNAUTHENTICATED"), "\(anonymous.output)")

        await media.stop()
        try? FileManager.default.removeItem(atPath: work)
    }
}
