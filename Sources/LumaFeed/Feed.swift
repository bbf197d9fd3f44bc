import Foundation
import Hummingbird
import LumaRPC
import MediaAPI
import MediaHTTP

/// luma-feed's HTTP face: `GET /feed/{language}/today` and `/feed/{language}/{YYYY-MM-DD}`,
/// JSON of what is published, from `FeedCache`. Stateless apart from that cache, so any number
/// of instances run behind an HTTP load balancer.
public struct Feed: Sendable {
    public let cache: FeedCache
    /// media-store, for the videos and thumbnails of published items; nil: the feed serves none.
    let media: (any FeedMediaSource)?
    let now: @Sendable () -> Date
    /// Benchmark only (scripts/feed-bench.sh): bytes served at /bench/static by the same
    /// server, the floor the feed's answers are measured against.
    let staticBody: Data?

    public init(cache: FeedCache, media: (any FeedMediaSource)? = nil, now: @escaping @Sendable () -> Date = { Date() }, staticBody: Data? = nil) {
        self.cache = cache
        self.media = media
        self.now = now
        self.staticBody = staticBody
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/health") { _, _ in "ok" }
        // How many times this instance asked content-pipeline (flat as traffic grows).
        router.get("/stats") { _, _ in
            Self.json(["content_pipeline_calls": "\(await cache.fetches)"], status: .ok)
        }
        if let staticBody {
            router.get("/bench/static") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: staticBody)))
            }
        }
        router.get("/feed/:language/:day") { request, context in
            let language = context.parameters.get("language") ?? ""
            let day = context.parameters.get("day") ?? ""
            return await answer(request, language: language, date: day == "today" ? nil : day)
        }
        router.get("/feed/:language/:day/media/:id") { request, context in
            let language = context.parameters.get("language") ?? ""
            let day = context.parameters.get("day") ?? ""
            return await mediaAnswer(request, language: language, date: day, id: context.parameters.get("id", as: Int64.self))
        }
        return router
    }

    /// A published item's video or thumbnail: served only while the day's copy lists it (an
    /// unpublished item's files go when its day is next refreshed), streamed from media-store
    /// with ranges for players.
    func mediaAnswer(_ request: Request, language: String, date: String, id: Int64?) async -> Response {
        guard let id, id > 0 else { return Self.json(["error": "a media id is a positive number", "field": "id"], status: .badRequest) }
        guard let media else { return Self.json(["error": "this feed serves no media (luma-feed runs without --media)"], status: .notFound) }
        let page: FeedCache.Page
        do {
            page = try await cache.page(language: language, date: date == "today" ? nil : date)
        } catch let error as RPCError {
            return Self.error(error)
        } catch {
            return Self.json(["error": "the feed failed"], status: .internalServerError)
        }
        guard page.mediaIDs.contains(id) else {
            return Self.json(["error": "media \(id) is not a published video or thumbnail of \(language) \(date)", "field": "id"], status: .notFound)
        }
        let file: Luma_Media_V1_Media
        do {
            file = try await media.media(id: id)
        } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
            return Self.json(["error": "media-store is not answering (\(error.message))"], status: .serviceUnavailable)
        } catch let error as RPCError {
            return Self.error(error)
        } catch {
            return Self.json(["error": "the feed failed"], status: .internalServerError)
        }
        // Kept no longer than the day's copy, so an unpublished item's video goes within the
        // same bound; a player revalidates with its ETag (304).
        return MediaHTTPResponse.make(request, media: file, cacheControl: "public, max-age=\(Int(cacheRefreshAfter))") { offset, count in
            try await media.read(id: id, offset: offset, count: count)
        }
    }

    func answer(_ request: Request, language: String, date: String?) async -> Response {
        let page: FeedCache.Page
        do {
            page = try await cache.page(language: language, date: date)
        } catch let error as RPCError {
            return Self.error(error)
        } catch {
            return Self.json(["error": "the feed failed"], status: .internalServerError)
        }
        var headers: HTTPFields = [.eTag: page.etag, .cacheControl: cacheControl(page)]
        let age = max(0, Int(now().timeIntervalSince(page.fetchedAt)))
        headers[.age] = "\(age)"
        if let stale = page.staleBecause {
            // Served from the last copy: how old it is, and why it was not refreshed.
            headers[.init("X-Luma-Stale")!] = stale
            headers[.init("Warning")!] = "110 - \"Response is Stale\""
        }
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == page.etag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: page.body)))
    }

    /// A copy is good until the cache would refresh it, and never past the channel's next
    /// publication (when today becomes another day).
    func cacheControl(_ page: FeedCache.Page) -> String {
        let at = now()
        var seconds = max(0, page.fetchedAt.addingTimeInterval(cacheRefreshAfter).timeIntervalSince(at))
        if let next = page.nextPublication { seconds = min(seconds, max(0, next.timeIntervalSince(at))) }
        return page.staleBecause == nil ? "public, max-age=\(Int(seconds))" : "public, max-age=0, must-revalidate"
    }

    var cacheRefreshAfter: TimeInterval { cache.refreshAfter }

    static func error(_ error: RPCError) -> Response {
        let status: HTTPResponse.Status = switch error.code {
        case .notFound: .notFound
        case .invalidArgument: .badRequest
        case .unavailable, .deadlineExceeded: .serviceUnavailable
        case .unauthenticated, .permissionDenied: .badGateway     // the feed's own token was refused
        default: .internalServerError
        }
        var body = ["error": error.message]
        if !error.field.isEmpty { body["field"] = error.field }
        if error.code == .unavailable { body["error"] = "\(error.origin.isEmpty ? "content-pipeline" : error.origin) is not answering and the feed has no copy yet" }
        return json(body, status: status)
    }

    static func json(_ body: [String: String], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
