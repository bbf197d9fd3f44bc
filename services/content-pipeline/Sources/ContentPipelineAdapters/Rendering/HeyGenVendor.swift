import AsyncHTTPClient
import ContentPipeline
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// HeyGen's video API, as its public documentation describes it:
/// - `POST {base}/v2/video/generate` with `X-Api-Key`: `video_inputs` (an avatar `character`, a
///   text `voice` with `voice_id` and `input_text`), `dimension` (1080x1920 for shorts) and our
///   `callback_id`; answers `{"error": null, "data": {"video_id": ...}}` or an `error` with a code;
/// - `GET {base}/v1/video_status.get?video_id=...`: `data.status` pending | processing |
///   completed (with `video_url`, `thumbnail_url`) | failed (with `error`);
/// - `GET {base}/v1/video.list`: recent videos, which we search for our `callback_id` after a
///   crash lost a video id.
/// Every request has a timeout (an API call's whole answer, a download's every chunk); the worker
/// retries what `VendorError.Kind` says may clear.
public struct HeyGenVendor: AvatarVendor {
    public struct Configuration: Sendable {
        /// "https://api.heygen.com" (--avatar-url).
        public var baseURL: String
        public var apiKey: String
        /// An API call's whole answer, and a download's head and each of its chunks, must come
        /// within this.
        public var timeout: TimeAmount = .seconds(30)
        /// Largest download accepted (media-store's cap).
        public var maxDownload = 1 << 30

        public init(baseURL: String, apiKey: String) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.apiKey = apiKey
        }
    }

    public let name = "heygen"
    let configuration: Configuration
    let client: HTTPClient

    public init(configuration: Configuration, client: HTTPClient = .shared) throws {
        guard let url = URL(string: configuration.baseURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw VendorError(.permanent, "--avatar-url '\(configuration.baseURL)' is not an http(s) URL")
        }
        self.configuration = configuration
        self.client = client
    }

    public func start(_ render: RenderRequest) async throws -> String {
        let body = GenerateRequest(
            videoInputs: [.init(character: .init(type: "avatar", avatarId: render.avatarID, avatarStyle: "normal"),
                                voice: .init(type: "text", inputText: render.script, voiceId: render.voiceID))],
            dimension: .init(width: render.width, height: render.height), callbackId: render.reference)
        let answer: Envelope<GenerateData> = try await call(.POST, "/v2/video/generate", body: try JSONEncoder.snakeCase.encode(body), render: render)
        guard let id = answer.data?.videoId, !id.isEmpty else {
            throw VendorError(.retryable, "HeyGen answered without a video id")
        }
        return id
    }

    /// Searches video.list (newest first, following its pages up to `findPages`) for our
    /// `callback_id`. HeyGen's reference lists no `callback_id` on list entries (video_status.get
    /// has it), so for entries that come without one the newest `findProbes` are asked by status.
    public func find(reference: String) async throws -> String? {
        var token: String?
        var unlabelled: [String] = []
        for _ in 0..<Self.findPages {
            let query = token.map { "?limit=100&token=\(Self.queryEncoded($0))" } ?? "?limit=100"
            let answer: Envelope<ListData> = try await call(.GET, "/v1/video.list" + query, body: nil)
            for video in answer.data?.videos ?? [] {
                guard let id = video.videoId, !id.isEmpty else { continue }
                if let callback = video.callbackId {
                    if callback == reference { return id }
                } else if unlabelled.count < Self.findProbes {
                    unlabelled.append(id)
                }
            }
            guard let next = answer.data?.token, !next.isEmpty, next != token else { break }
            token = next
        }
        for id in unlabelled {
            let answer: Envelope<StatusData> = try await call(.GET, "/v1/video_status.get?video_id=\(Self.queryEncoded(id))", body: nil)
            if answer.data?.callbackId == reference { return id }
        }
        return nil
    }

    static let findPages = 10
    static let findProbes = 20

    /// A query value: `&`, `=`, `+`, `#` and the like escaped too (`.urlQueryAllowed` keeps them).
    static func queryEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }

    public func status(videoID: String) async throws -> RenderStatus {
        let answer: Envelope<StatusData> = try await call(.GET, "/v1/video_status.get?video_id=\(Self.queryEncoded(videoID))", body: nil)
        guard let data = answer.data else { throw VendorError(.retryable, "HeyGen answered a status without data") }
        switch data.status {
        case "completed":
            guard let url = data.videoUrl, !url.isEmpty else { throw VendorError(.retryable, "HeyGen says completed but gave no video_url") }
            return .completed(videoURL: url, thumbnailURL: data.thumbnailUrl)
        case "failed":
            let detail = data.error.map { [$0.message, $0.detail].compactMap { $0 }.joined(separator: ": ") } ?? ""
            return .failed(message: detail.isEmpty ? "HeyGen could not render the video" : "HeyGen could not render the video: \(detail)")
        default:
            return .inProgress
        }
    }

    /// Writes the body to `path` as it arrives; on any failure the partial file is removed. A
    /// transfer that stalls (no chunk within the timeout) fails retryable.
    public func download(_ url: String, to path: String) async throws {
        let timeout = configuration.timeout, maxDownload = configuration.maxDownload, client = client
        do {
            try await Self.withIdleTimeout(timeout) { progress in
                let response: HTTPClientResponse
                do {
                    response = try await client.execute(HTTPClientRequest(url: url), timeout: timeout)
                } catch {
                    throw Self.transport(error, timeout: timeout)
                }
                progress()
                guard response.status == .ok else {
                    // The vendor's links expire (7 days); asking the status again gives fresh ones.
                    throw VendorError(response.status.code >= 500 || response.status.code == 403 || response.status.code == 404 ? .retryable : .permanent,
                                      "downloading the video failed: HTTP \(response.status.code)")
                }
                guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                    throw VendorError(.retryable, "cannot write \(path)")
                }
                defer { try? handle.close() }
                var total = 0
                do {
                    for try await var chunk in response.body {
                        progress()
                        total += chunk.readableBytes
                        guard total <= maxDownload else {
                            throw VendorError(.permanent, "the video is larger than \(maxDownload) bytes")
                        }
                        try handle.write(contentsOf: chunk.readData(length: chunk.readableBytes) ?? Data())
                    }
                } catch let error as VendorError {
                    throw error
                } catch {
                    throw Self.transport(error, timeout: timeout)
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// Runs `body`, failing it retryable when `timeout` passes without it calling `progress`.
    static func withIdleTimeout(_ timeout: TimeAmount, _ body: @escaping @Sendable (_ progress: @escaping @Sendable () -> Void) async throws -> Void) async throws {
        final class LastProgress: Sendable {
            let instant = Mutex(ContinuousClock.now)
        }
        let last = LastProgress()
        let limit = Duration.nanoseconds(timeout.nanoseconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body { last.instant.withLock { $0 = .now } } }
            group.addTask {
                while true {
                    let idle = ContinuousClock.now - last.instant.withLock { $0 }
                    if idle >= limit { throw Self.timedOut(timeout) }
                    try await Task.sleep(for: limit - idle)
                }
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    // MARK: Calls

    func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: Data?, render: RenderRequest? = nil) async throws -> Envelope<T> {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = method
        request.headers.add(name: "X-Api-Key", value: configuration.apiKey)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let timeout = configuration.timeout, client = client, prepared = request
        let (code, bytes): (UInt, ByteBuffer)
        do {
            // AsyncHTTPClient's timeout ends with the response head; the body must come in time too.
            (code, bytes) = try await Self.withDeadline(timeout) {
                let response = try await client.execute(prepared, timeout: timeout)
                return (response.status.code, try await response.body.collect(upTo: 1 << 20))
            }
        } catch let error as VendorError {
            throw error
        } catch {
            throw Self.transport(error, timeout: timeout)
        }
        let envelope = try? JSONDecoder.snakeCase.decode(Envelope<T>.self, from: Data(buffer: bytes))
        if code == 200 {
            if let envelope, envelope.error == nil { return envelope }
            if envelope == nil {
                throw VendorError(.retryable, "HeyGen answered \(path.split(separator: "?")[0]) with an unexpected body: \(String(buffer: bytes).prefix(200))")
            }
        }
        throw Self.refusal(status: code, error: envelope?.error, text: String(buffer: bytes), render: render)
    }

    /// `body`'s answer, or a retryable timeout once `timeout` has passed (`body` is cancelled).
    static func withDeadline<R: Sendable>(_ timeout: TimeAmount, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                throw Self.timedOut(timeout)
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next(), let answer else { throw Self.timedOut(timeout) }
            return answer
        }
    }

    /// HeyGen's error, in words, sorted by what may clear.
    static func refusal(status: UInt, error: APIError?, text: String, render: RenderRequest? = nil) -> VendorError {
        let code = error?.code.map { "\($0)" } ?? ""
        let message = error?.message ?? (text.isEmpty ? "no body" : String(text.prefix(200)))
        let lowered = (code + " " + message).lowercased()
        if lowered.contains("quota") || lowered.contains("insufficient") || lowered.contains("credit") || status == 402 {
            return VendorError(.quota, "HeyGen's quota is exhausted (\(message)); top up the account, then retry")
        }
        if status == 401 || status == 403 {
            return VendorError(.permanent, "HeyGen refused the API key (HTTP \(status)): check LUMA_HEYGEN_API_KEY")
        }
        if lowered.contains("avatar") && (lowered.contains("not found") || lowered.contains("invalid")) {
            let avatar = render.map { " '\($0.avatarID)'" } ?? ""
            return VendorError(.permanent, "HeyGen does not know the creator's avatar id\(avatar) (\(message)); check the creator's avatar")
        }
        if lowered.contains("voice") && (lowered.contains("not found") || lowered.contains("invalid")) {
            let voice = render.map { " '\($0.voiceID)'" } ?? ""
            return VendorError(.permanent, "HeyGen does not know the voice id\(voice) (\(message)); check --avatar-voices or the creator's voice")
        }
        if lowered.contains("too long") || lowered.contains("length") {
            return VendorError(.permanent, "the script is too long for HeyGen (\(message))")
        }
        if status == 408 || status == 429 || status >= 500 {
            return VendorError(.retryable, "HeyGen is busy or failing (HTTP \(status): \(message))")
        }
        return VendorError(.permanent, "HeyGen refused the request (HTTP \(status)\(code.isEmpty ? "" : ", \(code)"): \(message))")
    }

    static func transport(_ error: any Error, timeout: TimeAmount) -> VendorError {
        if let error = error as? VendorError { return error }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return timedOut(timeout)
        }
        return VendorError(.retryable, "HeyGen cannot be reached: \(error)")
    }

    static func timedOut(_ timeout: TimeAmount) -> VendorError {
        let milliseconds = timeout.nanoseconds / 1_000_000
        let amount = milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
        return VendorError(.retryable, "HeyGen did not answer within \(amount)")
    }

    // MARK: Wire types (the subset of the API used)

    struct GenerateRequest: Encodable {
        struct Input: Encodable {
            struct Character: Encodable { let type: String; let avatarId: String; let avatarStyle: String }
            struct Voice: Encodable { let type: String; let inputText: String; let voiceId: String }
            let character: Character
            let voice: Voice
        }
        struct Dimension: Encodable { let width: Int; let height: Int }
        let videoInputs: [Input]
        let dimension: Dimension
        let callbackId: String
    }

    struct APIError: Decodable {
        let code: FlexibleCode?
        let message: String?
        let detail: String?
    }

    /// HeyGen's error codes are strings in some answers and numbers in others.
    struct FlexibleCode: Decodable, CustomStringConvertible {
        let description: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { description = text } else { description = String(try container.decode(Int.self)) }
        }
    }

    struct Envelope<T: Decodable>: Decodable {
        let error: APIError?
        let data: T?
    }

    struct GenerateData: Decodable { let videoId: String? }

    struct StatusData: Decodable {
        let status: String
        let callbackId: String?
        let videoUrl: String?
        let thumbnailUrl: String?
        let error: APIError?
    }

    struct ListData: Decodable {
        struct Video: Decodable { let videoId: String?; let callbackId: String? }
        let videos: [Video]
        /// The next page's token; null on the last page.
        let token: String?
    }
}
