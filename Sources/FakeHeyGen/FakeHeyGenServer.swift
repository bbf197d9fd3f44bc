import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A stand-in for HeyGen's video API, written from its public reference (docs.heygen.com:
/// "create-an-avatar-video-v2", "video-status", "video-list", "errors"), for tests and for
/// `lumactl up` (AI creators render without a HeyGen account):
///
/// - `POST /v2/video/generate` (`X-Api-Key`): `{"error": null, "data": {"video_id": ...}}`, or
///   HTTP 400 `invalid_parameter` (bad body, `missing-` avatar or voice, input_text over 5000
///   characters), HTTP 402 `insufficient_credit` past the quota;
/// - `GET /v1/video_status.get?video_id=ID`: `{"code": 100, "data": {...}, "message": "Success"}`
///   with `status` pending, processing, then completed (`video_url`, `thumbnail_url`, `duration`)
///   or failed (`error: {code, message, detail}`); HTTP 404 for an unknown id;
/// - `GET /v1/video.list[?limit=N&token=T]`: newest first, `data.videos` and `data.token`;
/// - `GET /files/<video_id>.mp4` and `.jpg`: the sample video and thumbnail of a completed
///   video (no key needed: HeyGen's are signed URLs).
///
/// A missing or wrong key is HTTP 401 `unauthorized`. See `FakeHeyGenScenario` for the knobs.
public final class FakeHeyGenServer: Sendable {
    struct State {
        var scenario: FakeHeyGenScenario
        var counters = FakeHeyGenCounters()
        var videos: [String: FakeHeyGenVideo] = [:]
        /// Video ids, oldest first.
        var order: [String] = []
    }

    private let state: NIOLockedValueBox<State>
    private let group: MultiThreadedEventLoopGroup
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)
    /// Answers being worked out (delays, ffmpeg), cancelled and awaited by `stop()`.
    private let answering = NIOLockedValueBox<[UUID: Task<Void, Never>]>([:])
    private let media: SampleMedia
    private let ownsMediaDirectory: Bool

    public init(scenario: FakeHeyGenScenario = FakeHeyGenScenario()) {
        state = NIOLockedValueBox(State(scenario: scenario))
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let directory = scenario.mediaDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("luma-fake-heygen-\(UUID().uuidString)").path
        ownsMediaDirectory = scenario.mediaDirectory == nil
        media = SampleMedia(directory: directory, width: scenario.videoWidth, height: scenario.videoHeight)
    }

    /// Binds (port 0: a free one) and answers the port.
    @discardableResult
    public func start() async throws -> Int {
        let (host, port) = state.withLockedValue { ($0.scenario.host, $0.scenario.port) }
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(Handler(server: self))
                }
            }
            .bind(host: host, port: port).get()
        channel.withLockedValue { $0 = bound }
        return bound.localAddress?.port ?? port
    }

    /// Closes the listener and every connection; removes the temporary media directory.
    public func stop() async {
        try? await channel.withLockedValue { $0 }?.close()
        let pending = answering.withLockedValue { Array($0.values) }
        for task in pending { task.cancel() }
        for task in pending { await task.value }
        try? await group.shutdownGracefully()
        if ownsMediaDirectory { try? FileManager.default.removeItem(atPath: media.directory) }
    }

    public var port: Int { channel.withLockedValue { $0?.localAddress?.port } ?? 0 }
    /// "http://127.0.0.1:PORT": HeyGenVendor's base URL.
    public var baseURL: String { "http://\(state.withLockedValue { $0.scenario.host }):\(port)" }

    public var scenario: FakeHeyGenScenario { state.withLockedValue { $0.scenario } }
    /// Changes the behaviour while it runs (e.g. `$0.silent = true`, `$0.serverErrors = 2`).
    public func update(_ change: (inout FakeHeyGenScenario) -> Void) {
        state.withLockedValue { change(&$0.scenario) }
    }

    public var counters: FakeHeyGenCounters { state.withLockedValue { $0.counters } }
    public func video(_ id: String) -> FakeHeyGenVideo? { state.withLockedValue { $0.videos[id] } }
    /// Every video, oldest first.
    public var videos: [FakeHeyGenVideo] { state.withLockedValue { s in s.order.compactMap { s.videos[$0] } } }
    /// Where the sample media are (or will be) made.
    public var mediaDirectory: String { media.directory }

    // MARK: Answers

    struct Request: Sendable {
        let method: HTTPMethod
        let uri: String
        let headers: HTTPHeaders
        let body: Data
    }

    enum Reply: Sendable {
        case json(Int, String)
        case file(Data, contentType: String)
        /// Head and the first half of the reply's body, then nothing.
        indirect case stalled(Reply)
        /// Silent: nothing is written, the connection stays open.
        case none
    }

    /// Works out the answer off the event loop and completes `promise` with it.
    func answer(_ request: Request, completing promise: EventLoopPromise<Reply>) {
        let id = UUID()
        answering.withLockedValue { tasks in
            tasks[id] = Task {
                promise.succeed(await self.answer(request))
                self.answering.withLockedValue { $0[id] = nil }
            }
        }
    }

    func answer(_ request: Request) async -> Reply {
        let scenario = state.withLockedValue { $0.scenario }
        if scenario.silent {
            state.withLockedValue { $0.counters.unanswered += 1 }
            return .none
        }
        if scenario.delayMilliseconds > 0 {
            try? await Task.sleep(for: .milliseconds(scenario.delayMilliseconds))
        }
        let reply = await route(request, scenario: scenario)
        let isDownload = request.method == .GET && (URLComponents(string: request.uri)?.path ?? request.uri).hasPrefix("/files/")
        return scenario.stallBodies || (scenario.stallDownloads && isDownload) ? .stalled(reply) : reply
    }

    private func route(_ request: Request, scenario: FakeHeyGenScenario) async -> Reply {
        let components = URLComponents(string: request.uri)
        let path = components?.path ?? request.uri
        let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
        let origin = "http://" + (request.headers.first(name: "Host") ?? "\(scenario.host):\(port)")

        if request.method == .GET, path.hasPrefix("/files/") {
            return await download(String(path.dropFirst("/files/".count)))
        }
        let route: String
        switch (request.method, path) {
        case (.POST, "/v2/video/generate"): route = "generate"
        case (.GET, "/v1/video_status.get"): route = "status"
        case (.GET, "/v1/video.list"): route = "list"
        default:
            return Self.error(404, "not_found", "luma-fake-heygen has no \(request.method) \(path)")
        }

        let key = request.headers.first(name: "X-Api-Key") ?? ""
        if key.isEmpty || (scenario.apiKey.map { $0 != key } ?? false) {
            state.withLockedValue { $0.counters.unauthorized += 1 }
            return Self.error(401, "unauthorized", key.isEmpty ? "Missing API key: send it in the X-Api-Key header" : "Invalid API key")
        }
        let injected: Int? = state.withLockedValue { s in
            switch route {
            case "generate": s.counters.generateCalls += 1
            case "status": s.counters.statusCalls += 1
            default: s.counters.listCalls += 1
            }
            guard s.scenario.serverErrors > 0 else { return nil }
            s.scenario.serverErrors -= 1
            return s.scenario.serverErrorStatus
        }
        switch route {
        case "generate":
            let reply = generate(request.body, injected: injected)
            if case .json(200, _) = reply, scenario.generateAnswerDelayMilliseconds > 0 {
                try? await Task.sleep(for: .milliseconds(scenario.generateAnswerDelayMilliseconds))
            }
            return reply
        case "status":
            if let injected { return Self.error(injected, "internal_error", "Internal server error (injected by luma-fake-heygen)") }
            return await status(query["video_id"] ?? "", origin: origin)
        default:
            if let injected { return Self.error(injected, "internal_error", "Internal server error (injected by luma-fake-heygen)") }
            return list(limit: query["limit"].flatMap(Int.init), token: query["token"])
        }
    }

    struct GenerateBody: Decodable {
        struct Input: Decodable {
            struct Character: Decodable { let type: String?; let avatarId: String?; let avatarStyle: String? }
            struct Voice: Decodable { let type: String?; let inputText: String?; let voiceId: String? }
            let character: Character?
            let voice: Voice?
        }
        struct Dimension: Decodable { let width: Int?; let height: Int? }
        let videoInputs: [Input]?
        let dimension: Dimension?
        let callbackId: String?
    }

    private func generate(_ body: Data, injected: Int?) -> Reply {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let parsed = try? decoder.decode(GenerateBody.self, from: body)
        if let callback = parsed?.callbackId, !callback.isEmpty {
            state.withLockedValue { $0.counters.generateCallsByCallbackID[callback, default: 0] += 1 }
        }
        if let injected { return Self.error(injected, "internal_error", "Internal server error (injected by luma-fake-heygen)") }
        guard let parsed else { return Self.error(400, "invalid_parameter", "the body is not a JSON video request") }
        guard let input = parsed.videoInputs?.first else { return Self.error(400, "invalid_parameter", "video_inputs is required") }
        guard input.character?.type == "avatar", let avatar = input.character?.avatarId, !avatar.isEmpty else {
            return Self.error(400, "invalid_parameter", "video_inputs[0].character needs type avatar and an avatar_id")
        }
        guard input.voice?.type == "text", let voice = input.voice?.voiceId, !voice.isEmpty, let text = input.voice?.inputText, !text.isEmpty else {
            return Self.error(400, "invalid_parameter", "video_inputs[0].voice needs type text, a voice_id and input_text")
        }
        if avatar.hasPrefix("missing-") { return Self.error(400, "invalid_parameter", "avatar not found") }
        if voice.hasPrefix("missing-") { return Self.error(400, "invalid_parameter", "voice not found") }
        if text.count > FakeHeyGenScenario.maxInputText {
            return Self.error(400, "invalid_parameter", "input_text is too long (\(text.count) characters; at most \(FakeHeyGenScenario.maxInputText))")
        }
        let width = parsed.dimension?.width ?? 1280, height = parsed.dimension?.height ?? 720
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let created: Bool = state.withLockedValue { s in
            if let quota = s.scenario.quota, s.counters.videosCreated >= quota { return false }
            s.counters.videosCreated += 1
            s.videos[id] = FakeHeyGenVideo(
                id: id, callbackID: parsed.callbackId, avatarID: avatar, voiceID: voice, inputText: text, width: width, height: height,
                createdAt: Int(Date().timeIntervalSince1970), outcome: avatar.hasPrefix("fail-") ? .fail : .render)
            s.order.append(id)
            return true
        }
        guard created else {
            return Self.error(402, "insufficient_credit", "Insufficient credit: the account's quota is used up; add credits to continue")
        }
        return .json(200, Self.encode(["error": NSNull(), "data": ["video_id": id]]))
    }

    private func status(_ id: String, origin: String) async -> Reply {
        guard !id.isEmpty else { return Self.error(400, "invalid_parameter", "video_id is required") }
        enum Next { case unknown, answer(FakeHeyGenVideo), complete }
        let next: Next = state.withLockedValue { s in
            guard var video = s.videos[id] else { return .unknown }
            video.polls += 1
            let due = video.polls >= max(1, s.scenario.pollsToComplete)
            if video.status == "pending" || video.status == "processing" {
                if !due {
                    video.status = video.polls == 1 ? "pending" : "processing"
                } else if video.outcome == .fail {
                    video.status = "failed"
                }
            }
            s.videos[id] = video
            return due && video.outcome == .render && video.status != "failed" ? .complete : .answer(video)
        }
        var video: FakeHeyGenVideo
        var mediaError: String?
        switch next {
        case .unknown: return Self.error(404, "not_found", "video \(id) not found")
        case .answer(let known): video = known
        case .complete:
            do {
                _ = try await media.files()
            } catch {
                mediaError = "\(error)"
            }
            let made = await media.made
            video = state.withLockedValue { s in
                s.counters.mediaMade = made
                s.videos[id]!.status = mediaError == nil ? "completed" : "failed"
                return s.videos[id]!
            }
        }
        var data: [String: Any] = [
            "id": video.id, "callback_id": video.callbackID.map { $0 as Any } ?? NSNull(), "status": video.status,
            "created_at": video.createdAt, "caption_url": NSNull(), "gif_url": NSNull(), "video_url_caption": NSNull(),
            "video_url": NSNull(), "thumbnail_url": NSNull(), "duration": NSNull(), "error": NSNull(),
        ]
        switch video.status {
        case "completed":
            // Shaped as HeyGen's signed links (which expire); the fake ignores the query.
            let expires = Int(Date().timeIntervalSince1970) + 7 * 86400
            data["video_url"] = "\(origin)/files/\(video.id).mp4?Expires=\(expires)&Signature=fake"
            data["thumbnail_url"] = "\(origin)/files/\(video.id).jpg?Expires=\(expires)&Signature=fake"
            data["duration"] = 6.0
        case "failed":
            data["error"] = mediaError.map { ["code": 500000, "message": "Internal rendering error", "detail": $0] as [String: Any] }
                ?? ["code": 40119, "message": "Avatar rendering failed",
                    "detail": "avatar \(video.avatarID) always fails in luma-fake-heygen (its id starts with fail-)"]
        default: break
        }
        return .json(200, Self.encode(["code": 100, "data": data, "message": "Success"]))
    }

    private func list(limit: Int?, token: String?) -> Reply {
        let (page, next, withCallback): ([FakeHeyGenVideo], String?, Bool) = state.withLockedValue { s in
            let newest = s.order.reversed().compactMap { s.videos[$0] }
            let start = token.flatMap(Int.init).map { max(0, $0) } ?? 0
            let size = min(max(1, s.scenario.listPageLimit), max(1, limit ?? 100))
            let end = min(newest.count, start + size)
            let page = start < end ? Array(newest[start..<end]) : []
            return (page, end < newest.count ? String(end) : nil, s.scenario.listIncludesCallbackID)
        }
        let videos: [[String: Any]] = page.map { video in
            var entry: [String: Any] = ["video_id": video.id, "status": video.status, "created_at": video.createdAt, "type": "GENERATED"]
            if withCallback { entry["callback_id"] = video.callbackID.map { $0 as Any } ?? NSNull() }
            return entry
        }
        return .json(200, Self.encode(["code": 100, "error": NSNull(), "message": "Success",
                                       "data": ["videos": videos, "token": next.map { $0 as Any } ?? NSNull()] as [String: Any]]))
    }

    private func download(_ name: String) async -> Reply {
        let isVideo = name.hasSuffix(".mp4"), isThumbnail = name.hasSuffix(".jpg")
        let id = String(name.dropLast(4))
        guard isVideo || isThumbnail, state.withLockedValue({ $0.videos[id]?.status == "completed" }),
              let files = try? await media.files(),
              let data = FileManager.default.contents(atPath: isVideo ? files.video : files.thumbnail) else {
            return .json(404, #"<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>"#)
        }
        state.withLockedValue { s in
            s.counters.downloads += 1
            if isVideo { s.counters.videoDownloads += 1 } else { s.counters.thumbnailDownloads += 1 }
        }
        return .file(data, contentType: isVideo ? "video/mp4" : "image/jpeg")
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> Reply {
        .json(status, encode(["error": ["code": code, "message": message], "data": NSNull()]))
    }

    static func encode(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: HTTP

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: FakeHeyGenServer
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(server: FakeHeyGenServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
            case .body(var chunk):
                body.writeBuffer(&chunk)
            case .end:
                guard let head else { return }
                let request = Request(method: head.method, uri: head.uri, headers: head.headers, body: Data(body.readableBytesView))
                let server = self.server
                let promise = context.eventLoop.makePromise(of: Reply.self)
                server.answer(request, completing: promise)
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                promise.futureResult.whenSuccess { reply in
                    let (handler, context) = bound.value
                    handler.write(reply, context: context)
                }
            }
        }

        private func write(_ reply: Reply, context: ChannelHandlerContext) {
            var status: Int, contentType: String, bytes: ByteBuffer, stalled = false
            var reply = reply
            if case .stalled(let inner) = reply { reply = inner; stalled = true }
            switch reply {
            case .none, .stalled: return
            case .json(let code, let text):
                (status, contentType, bytes) = (code, text.hasPrefix("<") ? "application/xml" : "application/json", ByteBuffer(string: text))
            case .file(let data, let type):
                (status, contentType, bytes) = (200, type, ByteBuffer(bytes: data))
            }
            let headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", "\(bytes.readableBytes)"), ("Connection", "close")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))), promise: nil)
            if stalled {
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(bytes.getSlice(at: bytes.readerIndex, length: bytes.readableBytes / 2)!))), promise: nil)
                return
            }
            context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
