import FakeHeyGen
import Foundation
import NIOCore
import Testing
@testable import ContentPipeline
@testable import ContentPipelineAdapters

/// HeyGenVendor against FakeHeyGen (a local fake of HeyGen's video API, written from its docs).
@Suite("HeyGen vendor against the fake HeyGen")
struct HeyGenVendorTests {
    static func request(_ reference: String = "render-1", avatar: String = "avatar-anna", voice: String = "voice-1",
                        script: String = "The LORD is my shepherd; I shall not want.") -> RenderRequest {
        RenderRequest(reference: reference, avatarID: avatar, voiceID: voice, script: script)
    }

    func vendor(_ server: FakeHeyGenServer, key: String = "test-key", timeout: TimeAmount = .seconds(10)) throws -> HeyGenVendor {
        var configuration = HeyGenVendor.Configuration(baseURL: server.baseURL + "/", apiKey: key)
        configuration.timeout = timeout
        return try HeyGenVendor(configuration: configuration)
    }

    func withServer<T>(_ configure: (inout FakeHeyGenScenario) -> Void = { _ in },
                       _ body: (FakeHeyGenServer) async throws -> T) async throws -> T {
        var scenario = FakeHeyGenScenario()
        configure(&scenario)
        let server = FakeHeyGenServer(scenario: scenario)
        try await server.start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func expectVendorError(_ kind: VendorError.Kind, _ body: () async throws -> Void) async throws -> VendorError {
        do {
            try await body()
        } catch let error as VendorError {
            #expect(error.kind == kind, "\(error)")
            return error
        }
        Issue.record("expected a VendorError(.\(kind))")
        return VendorError(kind, "")
    }

    static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("heygen-test-\(UUID().uuidString)\(suffix)").path
    }

    // MARK: The happy path

    @Test func aRenderStartsIsInProgressThenCompletesAndDownloadsARealVideo() async throws {
        try await withServer({ $0.pollsToComplete = 3 }) { server in
            let vendor = try vendor(server)
            let id = try await vendor.start(Self.request())
            #expect(!id.isEmpty)
            let video = try #require(server.video(id))
            #expect(video.callbackID == "render-1")
            #expect(video.avatarID == "avatar-anna")
            #expect(video.voiceID == "voice-1")
            #expect(video.inputText.hasPrefix("The LORD"))
            #expect((video.width, video.height) == (1080, 1920))

            #expect(try await vendor.status(videoID: id) == .inProgress)
            #expect(try await vendor.status(videoID: id) == .inProgress)
            guard case .completed(let videoURL, let thumbnailURL) = try await vendor.status(videoID: id) else {
                Issue.record("not completed on the third poll")
                return
            }
            #expect(server.counters.statusCalls == 3)
            // Stays completed (its links are signed afresh on every status call, as HeyGen's are).
            guard case .completed(let again, _) = try await vendor.status(videoID: id) else {
                Issue.record("no longer completed on the fourth poll")
                return
            }
            #expect(again.components(separatedBy: "?").first == videoURL.components(separatedBy: "?").first)
            #expect(thumbnailURL != nil)

            let path = Self.temporaryPath(".mp4")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await vendor.download(videoURL, to: path)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(data.count > 10_000)
            #expect(data.count >= 8 && String(decoding: data[4..<8], as: UTF8.self) == "ftyp", "an MP4 starts with an ftyp box")
            let probe = try Self.ffprobe(path)
            #expect(probe.contains("codec_name=h264"))
            #expect(probe.contains("codec_name=aac"))
            #expect(probe.contains("width=540") && probe.contains("height=960"))

            let thumbnail = Self.temporaryPath(".jpg")
            defer { try? FileManager.default.removeItem(atPath: thumbnail) }
            try await vendor.download(try #require(thumbnailURL), to: thumbnail)
            let jpeg = try Data(contentsOf: URL(fileURLWithPath: thumbnail))
            #expect(jpeg.starts(with: [0xFF, 0xD8, 0xFF]))

            let counters = server.counters
            #expect(counters.generateCalls == 1)
            #expect(counters.generateCallsByCallbackID == ["render-1": 1])
            #expect(counters.videosCreated == 1)
            #expect(counters.downloads == 2)
            #expect(counters.videoDownloads == 1 && counters.thumbnailDownloads == 1)
            #expect(counters.mediaMade == 1)
        }
    }

    @Test func theSampleVideoIsMadeOnceForEveryRender() async throws {
        try await withServer({ $0.pollsToComplete = 1 }) { server in
            let vendor = try vendor(server)
            let first = try await vendor.start(Self.request("a"))
            let second = try await vendor.start(Self.request("b"))
            for id in [first, second] {
                guard case .completed = try await vendor.status(videoID: id) else {
                    Issue.record("\(id) is not completed on the first poll")
                    return
                }
            }
            #expect(server.counters.mediaMade == 1)
            #expect(server.counters.generateCallsByCallbackID == ["a": 1, "b": 1])
        }
    }

    // MARK: Refusals and failures

    @Test func aFailedRenderIsFailedInTheVendorsWords() async throws {
        try await withServer({ $0.pollsToComplete = 2 }) { server in
            let vendor = try vendor(server)
            let id = try await vendor.start(Self.request(avatar: "fail-bob"))
            #expect(try await vendor.status(videoID: id) == .inProgress)
            guard case .failed(let message) = try await vendor.status(videoID: id) else {
                Issue.record("not failed on the second poll")
                return
            }
            #expect(message.hasPrefix("HeyGen could not render the video: "))
            #expect(message.contains("Avatar rendering failed"))
            #expect(message.contains("fail-bob"))
        }
    }

    @Test func aMissingAvatarIsPermanentAndNamesTheAvatar() async throws {
        try await withServer { server in
            let vendor = try vendor(server)
            let error = try await expectVendorError(.permanent) { _ = try await vendor.start(Self.request(avatar: "missing-carol")) }
            #expect(error.message.contains("'missing-carol'"), "\(error.message)")
            #expect(error.message.contains("avatar not found"))
            #expect(server.counters.videosCreated == 0)
            #expect(server.counters.generateCalls == 1)
        }
    }

    @Test func aMissingVoiceIsPermanentAndNamesTheVoice() async throws {
        try await withServer { server in
            let vendor = try vendor(server)
            let error = try await expectVendorError(.permanent) { _ = try await vendor.start(Self.request(voice: "missing-voice")) }
            #expect(error.message.contains("'missing-voice'"), "\(error.message)")
        }
    }

    @Test func aScriptTooLongIsPermanent() async throws {
        try await withServer { server in
            let vendor = try vendor(server)
            let error = try await expectVendorError(.permanent) {
                _ = try await vendor.start(Self.request(script: String(repeating: "Amen. ", count: 1000)))
            }
            #expect(error.message.contains("too long"), "\(error.message)")
        }
    }

    @Test func anExhaustedQuotaIsQuota() async throws {
        try await withServer({ $0.quota = 1 }) { server in
            let vendor = try vendor(server)
            _ = try await vendor.start(Self.request("first"))
            let error = try await expectVendorError(.quota) { _ = try await vendor.start(Self.request("second")) }
            #expect(error.message.contains("quota"), "\(error.message)")
            #expect(server.counters.videosCreated == 1)
            #expect(server.counters.generateCallsByCallbackID == ["first": 1, "second": 1])
        }
    }

    @Test func serverErrorsAreRetryableAndClear() async throws {
        try await withServer({ $0.serverErrors = 2 }) { server in
            let vendor = try vendor(server)
            let error = try await expectVendorError(.retryable) { _ = try await vendor.start(Self.request()) }
            #expect(error.message.contains("HTTP 500"), "\(error.message)")
            _ = try await expectVendorError(.retryable) { _ = try await vendor.status(videoID: "anything") }
            // The injected errors are used up: the next attempt succeeds.
            let id = try await vendor.start(Self.request())
            #expect(try await vendor.status(videoID: id) == .inProgress)
            server.update { $0.serverErrors = 1; $0.serverErrorStatus = 503 }
            let busy = try await expectVendorError(.retryable) { _ = try await vendor.status(videoID: id) }
            #expect(busy.message.contains("HTTP 503"))
        }
    }

    @Test func aWrongKeyIsPermanentAndNamesTheVariable() async throws {
        try await withServer({ $0.apiKey = "the-right-key" }) { server in
            let wrong = try vendor(server, key: "a-wrong-key")
            let error = try await expectVendorError(.permanent) { _ = try await wrong.start(Self.request()) }
            #expect(error.message.contains("LUMA_HEYGEN_API_KEY"), "\(error.message)")
            _ = try await expectVendorError(.permanent) { _ = try await vendor(server, key: "").find(reference: "x") }
            #expect(server.counters.unauthorized == 2)
            #expect(server.counters.generateCalls == 0)
            _ = try await vendor(server, key: "the-right-key").start(Self.request())
        }
    }

    @Test func anUnknownVideoIsPermanent() async throws {
        try await withServer { server in
            let error = try await expectVendorError(.permanent) { _ = try await vendor(server).status(videoID: "no-such-video") }
            #expect(error.message.contains("404"), "\(error.message)")
        }
    }

    @Test func anExpiredOrMissingFileIsRetryableAndLeavesNoFile() async throws {
        try await withServer { server in
            let path = Self.temporaryPath(".mp4")
            _ = try await expectVendorError(.retryable) { try await vendor(server).download(server.baseURL + "/files/nothing.mp4", to: path) }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    // MARK: Timeouts

    @Test func aSilentServerTimesOutRetryableWithinTheTimeout() async throws {
        try await withServer({ $0.silent = true }) { server in
            let vendor = try vendor(server, timeout: .milliseconds(300))
            let started = ContinuousClock.now
            let error = try await expectVendorError(.retryable) { _ = try await vendor.start(Self.request()) }
            let elapsed = ContinuousClock.now - started
            #expect(error.message.contains("did not answer within 300 ms"), "\(error.message)")
            #expect(elapsed >= .milliseconds(250))
            #expect(elapsed < .seconds(3), "took \(elapsed)")
            #expect(server.counters.unanswered == 1)
        }
    }

    @Test func aSlowAnswerWithinTheTimeoutIsFine() async throws {
        try await withServer({ $0.delayMilliseconds = 100 }) { server in
            let id = try await vendor(server, timeout: .seconds(5)).start(Self.request())
            #expect(!id.isEmpty)
        }
    }

    @Test func aStalledBodyTimesOutRetryable() async throws {
        try await withServer({ $0.pollsToComplete = 1 }) { server in
            let id = try await vendor(server).start(Self.request())
            // The first completion makes the sample video with ffmpeg (longer than 300 ms).
            guard case .completed(let url, _) = try await vendor(server).status(videoID: id) else {
                Issue.record("not completed")
                return
            }
            server.update { $0.stallBodies = true }
            let vendor = try vendor(server, timeout: .milliseconds(300))
            let started = ContinuousClock.now
            let call = try await expectVendorError(.retryable) { _ = try await vendor.status(videoID: id) }
            #expect(call.message.contains("within 300 ms"), "\(call.message)")
            let path = Self.temporaryPath(".mp4")
            let download = try await expectVendorError(.retryable) { try await vendor.download(url, to: path) }
            #expect(download.message.contains("within 300 ms"), "\(download.message)")
            #expect(!FileManager.default.fileExists(atPath: path), "a partial download is removed")
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    // MARK: Recovery

    @Test func findRecoversAVideoIDByCallbackID() async throws {
        try await withServer { server in
            let vendor = try vendor(server)
            let id = try await vendor.start(Self.request("job-42"))
            _ = try await vendor.start(Self.request("job-43"))
            #expect(try await vendor.find(reference: "job-42") == id)
            #expect(try await vendor.find(reference: "job-99") == nil)
            #expect(server.counters.listCalls == 2)
        }
    }

    @Test func findFollowsPagesAndAsksTheStatusWhenTheListHasNoCallbackIDs() async throws {
        try await withServer({ $0.listIncludesCallbackID = false; $0.listPageLimit = 2 }) { server in
            let vendor = try vendor(server)
            let id = try await vendor.start(Self.request("job-1"))
            for n in 2...5 { _ = try await vendor.start(Self.request("job-\(n)")) }
            #expect(try await vendor.find(reference: "job-1") == id)
            // Three pages of newest first; then jobs 5, 4, 3, 2 were asked before job 1.
            #expect(server.counters.listCalls == 3)
            #expect(server.counters.statusCalls == 5)
        }
    }

    static func ffprobe(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "default=noprint_wrappers=1", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
