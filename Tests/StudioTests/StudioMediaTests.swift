import ContentAPI
import CreatorsAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import LumaRPC
import LumaTestSupport
import MediaStore
import MediaHTTP
import Testing
@testable import LumaStudio

/// Videos in the studio against the four services in this process (media-store checking with
/// the real ffprobe/ffmpeg): the upload form without JavaScript (multipart), a refusal next to
/// the field, Range requests on the played video, another creator's media.
@Suite("Luma Studio: videos", .serialized)
struct StudioMediaTests {
    /// A stack with two creators: Grace has items A and C, Other has item B.
    struct World {
        let stack: InProcessStack
        let studio: Studio
        let grace: StudioSession
        let other: StudioSession
        let admin: StudioSession
        let itemA: Int64, itemB: Int64, itemC: Int64

        /// media-store's chunks are small here, so that a short test video spans several.
        static let chunk = 64 * 1024

        static func make() async throws -> World {
            var media = MediaStoreConfiguration()
            media.chunkSize = chunk
            let stack = try await InProcessStack(authenticated: true, mediaConfiguration: media)
            let signer = stack.signer
            func client(_ endpoint: RPCEndpoint, _ service: String) -> RPCClient {
                StudioBackend.client([endpoint], signer: signer, service: service, transport: stack.network.client)
            }
            let backend = StudioBackend(
                verses: client(stack.versesEndpoint, "verse-registry"), creators: client(stack.creatorsEndpoint, "creator-registry"),
                content: client(stack.contentEndpoint, "content-pipeline"), media: client(stack.mediaEndpoint, "media-store"),
                mediaUploads: StudioBackend.uploadClient([stack.mediaEndpoint], signer: signer, transport: stack.network.client))
            let studio = Studio(backend: backend)
            let creators = Luma_Creators_V1_CreatorRegistryClient(stack.adminClient(stack.creatorsEndpoint))
            let content = Luma_Content_V1_ContentPipelineClient(stack.adminClient(stack.contentEndpoint))
            let graceUser = try await creators.createUser(.with { $0.email = "grace@example.com"; $0.displayName = "Grace"; $0.role = .creator })
            let grace = try await creators.createCreator(.with { $0.userID = graceUser.id; $0.displayName = "Grace"; $0.canBible = true; $0.monthlyCapacity = 9 })
            let otherUser = try await creators.createUser(.with { $0.email = "other@example.com"; $0.displayName = "Other"; $0.role = .creator })
            let other = try await creators.createCreator(.with { $0.userID = otherUser.id; $0.displayName = "Other"; $0.canBible = true; $0.monthlyCapacity = 9 })
            _ = try await content.plan(.with { $0.fromDate = "2027-06-01"; $0.toDate = "2027-06-03"; $0.modes = [.bible] })
            let items = try await content.generate(.with { $0.range = .with { $0.fromDate = "2027-06-01"; $0.toDate = "2027-06-03" } }).items
            try #require(items.count == 3)
            _ = try await content.assign(.with { $0.id = items[0].id; $0.creatorID = grace.id })
            _ = try await content.assign(.with { $0.id = items[1].id; $0.creatorID = other.id })
            _ = try await content.assign(.with { $0.id = items[2].id; $0.creatorID = grace.id })
            return World(
                stack: stack, studio: studio,
                grace: try await studio.sessions.create(userID: graceUser.id, email: graceUser.email, name: "Grace", role: .creator, creatorID: grace.id),
                other: try await studio.sessions.create(userID: otherUser.id, email: otherUser.email, name: "Other", role: .creator, creatorID: other.id),
                admin: try await studio.sessions.create(userID: 1, email: "admin@example.com", name: "Admin", role: .admin, creatorID: nil),
                itemA: items[0].id, itemB: items[1].id, itemC: items[2].id)
        }
    }

    /// A 6-second H.264/AAC MP4 made by ffmpeg in a temporary folder (never committed).
    static func video(_ size: String) throws -> Data {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("luma-studio-video-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out.mp4").path
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        ffmpeg.arguments = ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=\(size):rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                            "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", out]
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        try #require(ffmpeg.terminationStatus == 0, "ffmpeg made the test video")
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    struct Part {
        var name: String
        var fileName: String?
        var data: Data
    }

    /// A multipart/form-data body as a browser sends it.
    static func multipart(_ parts: [Part], boundary: String = "----LumaTestBoundary7MA4YWxkTrZu0gW") -> (ByteBuffer, HTTPFields) {
        var body = ByteBuffer()
        for part in parts {
            body.writeString("--\(boundary)\r\n")
            if let fileName = part.fileName {
                body.writeString("Content-Disposition: form-data; name=\"\(part.name)\"; filename=\"\(fileName)\"\r\nContent-Type: video/mp4\r\n\r\n")
            } else {
                body.writeString("Content-Disposition: form-data; name=\"\(part.name)\"\r\n\r\n")
            }
            body.writeBytes(part.data)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return (body, [.contentType: "multipart/form-data; boundary=\(boundary)"])
    }

    static func cookie(_ session: StudioSession) -> HTTPFields { [.cookie: "luma_session=\(session.id)"] }

    static func post(_ client: some TestClientProtocol, _ path: String, as session: StudioSession, parts: [Part],
                     extra: HTTPFields = [:]) async throws -> TestResponse {
        let (body, headers) = multipart(parts)
        var all = cookie(session)
        all.append(contentsOf: headers)
        all.append(contentsOf: extra)
        return try await client.execute(uri: path, method: .post, headers: all, body: body)
    }

    static func page(_ client: some TestClientProtocol, _ path: String, as session: StudioSession) async throws -> String {
        let response = try await client.execute(uri: path, method: .get, headers: cookie(session), body: nil)
        return String(buffer: response.body)
    }

    /// The no-JavaScript path: a plain form post (multipart) uploads, checks and submits; the
    /// page then shows what was checked and plays it, and the played video honours ranges.
    @Test func aFormUploadIsCheckedSubmittedAndPlayedInRanges() async throws {
        let world = try await World.make()
        let video = try Self.video("540x960")
        let size = video.count
        try #require(size > 3 * World.chunk, "the test video spans several of media-store's chunks (\(size) bytes)")
        try await Application(router: world.studio.router()).test(.live) { client in
            let grace = world.grace, item = world.itemA
            let response = try await Self.post(client, "/items/\(item)/upload", as: grace, parts: [
                Part(name: "_csrf", data: Data(grace.csrfToken.utf8)),
                Part(name: "video_file", fileName: "vertical.mp4", data: video),
                Part(name: "thumbnail_file", fileName: "", data: Data()),   // left empty, as a browser sends it
            ])
            #expect(response.status == .seeOther && response.headers[.location] == "/items/\(item)")
            let page = try await Self.page(client, "/items/\(item)", as: grace)
            #expect(page.contains("Uploaded and checked: 6.0 s, 540x960, h264/aac. Submitted"), "\(page)")
            #expect(page.contains("<dt>Duration</dt><dd>6.0 s</dd>") && page.contains("<dd>540x960</dd>") && page.contains("<dd>h264/aac</dd>"))
            #expect(page.contains("<video id=\"item-video\" controls preload=\"metadata\" src=\"/items/\(item)/video?m="))
            #expect(page.contains("poster=\"/items/\(item)/thumbnail?m="))

            // The admin plays it: whole, the first bytes, the middle, the last bytes, past the end.
            let admin = Self.cookie(world.admin)
            try await client.execute(uri: "/items/\(item)/video", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "video/mp4" && response.headers[.acceptRanges] == "bytes")
                #expect(response.headers[.contentLength] == String(size))
                #expect(Data(response.body.readableBytesView) == video, "the whole file, streamed across chunks")
            }
            let ranges: [(String, Range<Int>)] = [
                ("bytes=0-99", 0..<100),
                ("bytes=1000-2999", 1000..<3000),
                ("bytes=\(size - 10)-\(size + 1000)", (size - 10)..<size),   // clamped to the end
                ("bytes=100000-", 100_000..<size),                         // open, across chunk boundaries
                ("bytes=-500", (size - 500)..<size),
            ]
            for (header, expected) in ranges {
                var headers = admin
                headers[.range] = header
                try await client.execute(uri: "/items/\(item)/video", method: .get, headers: headers) { response in
                    #expect(response.status == .partialContent, "\(header)")
                    #expect(response.headers[.contentRange] == "bytes \(expected.lowerBound)-\(expected.upperBound - 1)/\(size)", "\(header)")
                    #expect(response.headers[.contentLength] == String(expected.count), "\(header)")
                    #expect(Data(response.body.readableBytesView) == video.subdata(in: expected), "\(header)")
                }
            }
            for header in ["bytes=\(size)-", "bytes=\(size + 5)-\(size + 10)", "bytes=-0"] {
                var headers = admin
                headers[.range] = header
                try await client.execute(uri: "/items/\(item)/video", method: .get, headers: headers) { response in
                    #expect(response.status == .rangeNotSatisfiable, "\(header)")
                    #expect(response.headers[.contentRange] == "bytes */\(size)", "\(header)")
                }
            }
            try await client.execute(uri: "/items/\(item)/thumbnail", method: .get, headers: admin) { response in
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("image/") == true)
                #expect(response.body.readableBytes > 100)
            }
            let reviewed = try await Self.page(client, "/items/\(item)", as: world.admin)
            #expect(reviewed.contains("<dd>540x960</dd>") && reviewed.contains("form method=\"post\" action=\"/items/\(item)/approve\""))
        }
        await world.stack.stop()
    }

    /// Another creator's item is a 404, and so are its video and thumbnail; an upload to it is
    /// refused before a byte is stored.
    @Test func anotherCreatorsMediaIsRefused() async throws {
        let world = try await World.make()
        let video = try Self.video("540x960")
        try await Application(router: world.studio.router()).test(.router) { client in
            let grace = world.grace
            let uploaded = try await Self.post(client, "/items/\(world.itemA)/upload", as: grace, parts: [
                Part(name: "_csrf", data: Data(grace.csrfToken.utf8)), Part(name: "video_file", fileName: "v.mp4", data: video),
            ])
            #expect(uploaded.status == .seeOther)
            for path in ["/items/\(world.itemA)", "/items/\(world.itemA)/video", "/items/\(world.itemA)/thumbnail"] {
                try await client.execute(uri: path, method: .get, headers: Self.cookie(world.other)) { response in
                    #expect(response.status == .notFound, "\(path)")
                }
                var ranged = Self.cookie(world.other)
                ranged[.range] = "bytes=0-99"
                try await client.execute(uri: path, method: .get, headers: ranged) { response in
                    #expect(response.status == .notFound, "\(path) with a range")
                }
            }
            // Her own item's video plays for her.
            try await client.execute(uri: "/items/\(world.itemA)/video", method: .get, headers: Self.cookie(grace)) { response in
                #expect(response.status == .ok && response.body.readableBytes == video.count)
            }
            let other = world.other
            let refused = try await Self.post(client, "/items/\(world.itemA)/upload", as: other, parts: [
                Part(name: "_csrf", data: Data(other.csrfToken.utf8)), Part(name: "video_file", fileName: "v.mp4", data: video),
            ])
            #expect(refused.status == .notFound)
            // Without a session: to sign-in.
            try await client.execute(uri: "/items/\(world.itemA)/video", method: .get) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/sign-in")
            }
        }
        await world.stack.stop()
    }

    /// A landscape video is refused by media-store, in its words, next to the file's field; the
    /// script's request gets where to go as JSON; a form without its token stores nothing.
    @Test func aRefusedUploadIsShownNextToTheField() async throws {
        let world = try await World.make()
        let landscape = try Self.video("960x540")
        try await Application(router: world.studio.router()).test(.router) { client in
            let grace = world.grace, item = world.itemC
            let answer = try await Self.post(client, "/items/\(item)/upload", as: grace, parts: [
                Part(name: "_csrf", data: Data(grace.csrfToken.utf8)), Part(name: "video_file", fileName: "landscape.mp4", data: landscape),
            ], extra: [.init("X-Luma-Upload")!: "xhr"])
            #expect(answer.status == .ok && String(buffer: answer.body) == "{\"location\":\"/items/\(item)\"}")
            #expect(answer.headers[.contentType] == "application/json")
            let page = try await Self.page(client, "/items/\(item)", as: grace)
            let error = try #require(page.range(of: "<p class=\"error\" id=\"field-video_file-error\" role=\"alert\">"), "\(page)")
            let shown = page[error.upperBound...].prefix { $0 != "<" }
            #expect(shown.contains("960x540 is landscape; shorts are vertical"), "\(shown)")
            #expect(page.contains("aria-describedby=\"field-video_file-error\" aria-invalid=\"true\""))
            #expect(!page.contains("item-video"), "nothing was submitted")

            // No token, or the token after the file: refused, nothing stored.
            for parts in [[Part(name: "video_file", fileName: "v.mp4", data: landscape)],
                          [Part(name: "video_file", fileName: "v.mp4", data: landscape), Part(name: "_csrf", data: Data(grace.csrfToken.utf8))],
                          [Part(name: "_csrf", data: Data("forged".utf8)), Part(name: "video_file", fileName: "v.mp4", data: landscape)]] {
                let response = try await Self.post(client, "/items/\(item)/upload", as: grace, parts: parts)
                #expect(response.status == .forbidden && String(buffer: response.body).contains("Form refused"))
            }
            // No file chosen, and a body that is not multipart.
            let empty = try await Self.post(client, "/items/\(item)/upload", as: grace, parts: [
                Part(name: "_csrf", data: Data(grace.csrfToken.utf8)), Part(name: "video_file", fileName: "", data: Data()),
            ])
            #expect(empty.status == .seeOther)
            #expect(try await Self.page(client, "/items/\(item)", as: grace).contains("Choose a video file to upload."))
            try await client.execute(uri: "/items/\(item)/upload", method: .post,
                                     headers: Self.cookie(grace) + [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "_csrf=\(grace.csrfToken)")) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await Self.page(client, "/items/\(item)", as: grace).contains("did not arrive as a file upload"))
        }
        await world.stack.stop()
    }

    /// A file over the cap is refused next to its field without going to media-store.
    @Test func aFileOverTheCapIsRefused() async throws {
        let world = try await World.make()
        let studio = Studio(backend: world.studio.backend, sessions: world.studio.sessions, maxUploadSize: 1000)
        try await Application(router: studio.router()).test(.router) { client in
            let grace = world.grace
            let response = try await Self.post(client, "/items/\(world.itemA)/upload", as: grace, parts: [
                Part(name: "_csrf", data: Data(grace.csrfToken.utf8)), Part(name: "video_file", fileName: "big.mp4", data: Data(count: 5000)),
            ])
            #expect(response.status == .seeOther)
            let page = try await Self.page(client, "/items/\(world.itemA)", as: grace)
            #expect(page.contains("id=\"field-video_file-error\"") && page.contains("larger than 1000 bytes"), "\(page)")
        }
        await world.stack.stop()
    }

    /// The page carries the form for both paths and the script as a file the CSP allows.
    @Test func theUploadFormWorksWithAndWithoutTheScript() async throws {
        let world = try await World.make()
        try await Application(router: world.studio.router()).test(.router) { client in
            let page = try await Self.page(client, "/items/\(world.itemA)", as: world.grace)
            #expect(page.contains("<form method=\"post\" action=\"/items/\(world.itemA)/upload\" enctype=\"multipart/form-data\" data-upload><input type=\"hidden\" name=\"_csrf\""))
            #expect(page.contains("<script src=\"/studio-upload.js\" defer></script>"))
            #expect(!page.contains("<script>"), "no inline script")
            try await client.execute(uri: "/studio-upload.js", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(String(buffer: response.body).contains("xhr.upload.addEventListener(\"progress\""))
                let csp = response.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"))
            }
        }
        await world.stack.stop()
    }

    @Test func rangeHeadersParse() {
        let size: UInt64 = 1000
        #expect(ByteRange.parse(nil, size: size) == .whole)
        #expect(ByteRange.parse("bytes=0-99", size: size) == .part(0...99))
        #expect(ByteRange.parse("bytes=500-", size: size) == .part(500...999))
        #expect(ByteRange.parse("bytes=900-5000", size: size) == .part(900...999))
        #expect(ByteRange.parse("bytes=-300", size: size) == .part(700...999))
        #expect(ByteRange.parse("bytes=-5000", size: size) == .part(0...999))
        #expect(ByteRange.parse("bytes=1000-", size: size) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=-0", size: size) == .unsatisfiable)
        // Ignored, as RFC 9110 allows: the whole file.
        for ignored in ["bytes=5-1", "bytes=0-1,5-9", "items=0-1", "bytes=a-b", "bytes=+1-2", "bytes=-", "bytes=1"] {
            #expect(ByteRange.parse(ignored, size: size) == .whole, "\(ignored)")
        }
    }

    /// The streaming parser gives the same parts whatever the chunks: a delimiter split across
    /// chunks, body bytes that look like the start of one, a preamble, a part without headers.
    @Test func multipartStreamsInAnyChunks() throws {
        let boundary = "XyZ"
        let file = Data("a\r\n--Xy not it\r\n-\r\r\n--XyY? still the file\r\n".utf8) + Data((0..<3000).map { UInt8($0 % 256) })
        var body = ByteBuffer(string: "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntoken\r\n--XyZ  \r\n")
        body.writeString("Content-Disposition: form-data; name=\"video_file\"; filename=\"v.mp4\"\r\nContent-Type: video/mp4\r\n\r\n")
        body.writeBytes(file)
        body.writeString("\r\n--XyZ\r\n\r\nno headers\r\n--XyZ--\r\nepilogue")
        for size in [1, 2, 3, 7, 64, 1000, body.readableBytes] {
            var parser = MultipartStream(boundary: boundary)
            var parts: [(headers: [(String, String)], body: Data)] = []
            var ends = 0
            var rest = body
            while rest.readableBytes > 0 {
                let chunk = rest.readSlice(length: min(size, rest.readableBytes))!
                try parser.feed(chunk) { event in
                    switch event {
                    case .part(let headers): parts.append((headers, Data()))
                    case .body(let bytes): parts[parts.count - 1].body += Data(bytes.readableBytesView)
                    case .end: ends += 1
                    }
                }
            }
            #expect(parser.finished && ends == 3 && parts.count == 3, "chunks of \(size)")
            guard parts.count == 3 else { continue }
            #expect(parts[0].body == Data("token".utf8) && parts[0].headers.first?.0 == "content-disposition", "chunks of \(size)")
            #expect(parts[1].body == file && parts[1].headers.count == 2, "chunks of \(size)")
            #expect(parts[2].body == Data("no headers".utf8) && parts[2].headers.isEmpty, "chunks of \(size)")
        }
        var cut = MultipartStream(boundary: boundary)
        try cut.feed(ByteBuffer(string: "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\npart")) { _ in }
        #expect(!cut.finished, "a body cut off is not finished")
    }

    @Test func multipartHeadersParse() {
        #expect(SpooledForm.boundary("multipart/form-data; boundary=----WebKitFormBoundaryABC") == "----WebKitFormBoundaryABC")
        #expect(SpooledForm.boundary("multipart/form-data; boundary=\"a b;c\"") == "a b;c")
        #expect(SpooledForm.boundary("application/x-www-form-urlencoded") == nil)
        #expect(SpooledForm.boundary("multipart/form-data") == nil)
        let disposition = SpooledForm.parameters("form-data; name=\"video_file\"; filename=\"my; \\\"best\\\" take.mp4\"")
        #expect(disposition.value == "form-data" && disposition.named["name"] == "video_file")
        #expect(disposition.named["filename"] == "my; \"best\" take.mp4")
    }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var all = lhs
        all.append(contentsOf: rhs)
        return all
    }
}
