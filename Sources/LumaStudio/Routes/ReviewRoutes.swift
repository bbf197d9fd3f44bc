import ContentAPI
import Hummingbird
import LumaRPC

/// The admin's review queue and the item list with filters: both are content-pipeline's List
/// (its order and filters); the studio only renders the rows.
extension Studio {
    func addReviewRoutes(_ router: RouterGroup<Context>) {
        router.get("/review") { _, context in
            try await page(context) { session in
                // Submitted items, the one waiting longest first.
                let items = try await backend.content.list(.with {
                    $0.statuses = [.submitted]
                    $0.order = .waiting
                    $0.pageSize = 200
                }).items
                let names = try await backend.names(for: session)
                return ListPages.review(items, names: names, session: session, flash: context.takeFlash())
            }
        }
        router.get("/items") { request, context in
            try await page(context) { session in
                let filter = (try? request.uri.decodeQuery(as: ItemFilter.self, context: context)) ?? ItemFilter()
                let names = try await backend.names(for: session)
                // A filter the service refuses (a date that is not one) is shown next to its
                // field, with the filters still there to correct.
                let answer: Luma_Content_V1_ListContentResponse, refusal: StudioSession.Flash?
                do {
                    answer = try await backend.content.list(filter.request)
                    refusal = nil
                } catch let error as RPCError where error.code == .invalidArgument {
                    answer = .init()
                    refusal = .init(message: Self.words(error), field: ItemFilter.formField(error.field), success: false)
                }
                return ListPages.items(answer, filter: filter, names: names, session: session, flash: refusal ?? context.takeFlash())
            }
        }
    }
}

/// The list page's filters, from its query (Hummingbird's `decodeQuery`).
struct ItemFilter: Decodable, Sendable {
    var status: String?
    var creator: String?
    var language: String?
    var q: String?
    var from: String?
    var to: String?
    var page: String?

    static let statuses: [(String, Luma_Content_V1_Status)] = [
        ("empty", .empty), ("generated", .generated), ("assigned", .assigned), ("submitted", .submitted),
        ("approved", .approved), ("rejected", .rejected),
    ]

    var request: Luma_Content_V1_ListContentRequest {
        .with {
            if let status = Self.statuses.first(where: { $0.0 == trimmed(self.status) })?.1 { $0.statuses = [status] }
            if let creator = Int64(trimmed(creator)) { $0.creatorID = creator }
            $0.language = String(trimmed(language).prefix(8))
            $0.query = String(trimmed(q).prefix(100))
            $0.fromDate = trimmed(from)
            $0.toDate = trimmed(to)
            $0.pageToken = trimmed(page)
            $0.pageSize = 100
        }
    }

    /// The filter field a refused request field is shown next to.
    static func formField(_ field: String) -> String {
        switch field {
        case "from_date": "from"
        case "to_date": "to"
        case "creator_id": "creator"
        case "statuses": "status"
        case "query": "q"
        default: field
        }
    }

    /// This filter's query string with another page token.
    func query(page token: String) -> String {
        let pairs: [(String, String?)] = [("status", status), ("creator", creator), ("language", language), ("q", q),
                                          ("from", from), ("to", to), ("page", token)]
        return pairs.compactMap { name, value in
            let value = trimmed(value)
            return value.isEmpty ? nil : "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
    }
}
