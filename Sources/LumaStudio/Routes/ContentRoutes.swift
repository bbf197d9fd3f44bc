import ContentAPI
import CreatorsAPI
import Foundation
import Hummingbird
import LumaRPC
import LumaValues

/// The calendar, planning, and each item's page and actions (admins and creators).
extension Studio {
    func addAdminRoutes(_ router: Router<Context>) {
        router.get("/calendar") { request, _ in
            try await page(request, title: "Calendar", role: .admin) { session in
                let month = request.uri.queryParameters.get("month").flatMap { CalendarDate($0 + "-01") } ?? CalendarDate.today
                let first = CalendarDate(year: month.year, month: month.month, day: 1)
                let last = first.adding(days: CalendarDate.daysIn(month: first.month, year: first.year) - 1)
                let language = request.uri.queryParameters.get("language").map { String($0.prefix(8)) } ?? ""
                let board = try await backend.content.board(.with {
                    $0.fromDate = first.description
                    $0.toDate = last.description
                    if !language.isEmpty { $0.languages = [language] }
                })
                return CalendarPage.render(month: first, language: language, items: board.items, session: session,
                                           flash: sessions.takeFlash(session.id))
            }
        }
        router.post("/plan") { request, _ in
            try await action(request, back: "/calendar", role: .admin) { _, form in
                let from = form.text("from_date"), to = form.text("to_date")
                let languages = form.text("languages").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let modes: [Luma_Content_V1_Mode] = form.all("modes").compactMap { $0 == "bible" ? .bible : $0 == "positivity" ? .positivity : nil }
                guard !modes.isEmpty else { throw RPCError.invalidArgument("choose at least one mode", field: "modes") }
                let planned = try await backend.content.plan(.with {
                    $0.fromDate = from; $0.toDate = to; $0.languages = languages; $0.modes = modes
                })
                let generated: Luma_Content_V1_GenerateResponse
                do {
                    generated = try await backend.content.generate(.with { $0.range = .with { $0.fromDate = from; $0.toDate = to } },
                                                                   options: .init(timeout: .seconds(600)))
                } catch let error as RPCError {
                    throw RPCError(error.code, error.message, field: String(error.field.split(separator: ".").last ?? ""))
                }
                let failed = generated.failures.isEmpty ? "" : "; \(generated.failures.count) not generated (first: \(generated.failures[0].reason))"
                return ("Planned \(planned.created) new items (\(planned.existing) already there); generated \(generated.generated)\(failed).",
                        "/calendar?month=\(from.prefix(7))")
            }
        }
        router.get("/items/:id") { request, context in
            try await page(request, title: "Item") { session in
                let id = try Self.id(context)
                let item = try await backend.content.get(.with { $0.id = id })
                var eligible: [ItemPage.Eligible] = []
                var creatorName: String?, renderCreatorName: String?
                if session.role == .admin {
                    if item.status == .generated { eligible = try await eligibleCreators(for: item) }
                    if item.creatorID != 0 {
                        creatorName = try? await backend.creators.getCreator(.with { $0.id = item.creatorID }).displayName
                    }
                    // The render's creator: the item's, or the AI creator it was once assigned to.
                    let renderCreator = item.hasRender ? item.render.creatorID : 0
                    renderCreatorName = renderCreator == 0 || renderCreator == item.creatorID ? creatorName
                        : try? await backend.creators.getCreator(.with { $0.id = renderCreator }).displayName
                }
                return ItemPage.render(item, session: session, flash: sessions.takeFlash(session.id), eligible: eligible,
                                       creatorName: creatorName, renderCreatorName: renderCreatorName)
            }
        }
        itemAction(router, "generate", role: .admin) { id, _ in
            _ = try await backend.content.generate(.with { $0.id = id }, options: .init(timeout: .seconds(120)))
            return "Generated."
        }
        itemAction(router, "regenerate", role: .admin) { id, _ in
            // A generated item is written again: deleted (its verse goes back to the pool, since
            // nobody has seen it), planned afresh for the same day and generated.
            let item = try await backend.content.get(.with { $0.id = id })
            _ = try await backend.content.delete(.with { $0.id = id })
            _ = try await backend.content.plan(.with {
                $0.fromDate = item.postDate; $0.toDate = item.postDate; $0.modes = [item.mode]; $0.languages = [item.language]
            })
            let fresh = try await backend.content.list(.with {
                $0.fromDate = item.postDate; $0.toDate = item.postDate; $0.mode = item.mode; $0.language = item.language
            }).items.first
            guard let fresh else { throw RPCError.internalError("the item was not planned again") }
            _ = try await backend.content.generate(.with { $0.id = fresh.id }, options: .init(timeout: .seconds(120)))
            throw Redirect(to: "/items/\(fresh.id)")
        }
        itemAction(router, "assign", role: .admin) { id, form in
            guard let creator = Int64(form.text("creator_id")) else {
                throw RPCError.invalidArgument("choose a creator", field: "creator_id")
            }
            let item = try await backend.content.assign(.with { $0.id = id; $0.creatorID = creator })
            return "Assigned to creator \(item.creatorID)."
        }
        itemAction(router, "retry-render", role: .admin) { id, _ in
            // The service decides whether the job may be retried; its refusal is shown under
            // the Retry render button (field "render"), whatever field it names.
            do {
                let item = try await backend.content.retryRender(.with { $0.id = id })
                return "Retrying the render: \(RenderView.words(item.render, creatorName: nil))"
            } catch let error as RPCError where error.code != .notFound && error.code != .permissionDenied {
                throw RPCError(error.code, error.message, field: "render")
            }
        }
        itemAction(router, "unassign", role: .admin) { id, _ in
            _ = try await backend.content.unassign(.with { $0.id = id })
            return "Unassigned; the item is generated again."
        }
        itemAction(router, "approve", role: .admin) { id, _ in
            _ = try await backend.content.approve(.with { $0.id = id })
            return "Approved."
        }
        itemAction(router, "reject", role: .admin) { id, form in
            _ = try await backend.content.reject(.with { $0.id = id; $0.note = form.text("note") })
            return "Rejected; the creator sees your note."
        }
        itemAction(router, "submit", role: .creator) { id, form in
            _ = try await backend.content.submit(.with {
                $0.id = id; $0.videoURL = form.text("video_url"); $0.thumbnailURL = form.text("thumbnail_url")
            })
            return "Submitted. An admin will review it."
        }
    }

    /// POST /items/:id/<verb>, back to the item's page.
    func itemAction(_ router: Router<Context>, _ verb: String, role: StudioSession.Role,
                    _ body: @escaping @Sendable (Int64, Form) async throws -> String) {
        router.post("/items/:id/\(verb)") { request, context in
            let id = try Self.id(context)
            return try await action(request, back: "/items/\(id)", role: role) { _, form in
                (try await body(id, form), nil)
            }
        }
    }

    /// Active creators who can film the item, with what is left of their monthly capacity.
    func eligibleCreators(for item: Luma_Content_V1_ContentItem) async throws -> [ItemPage.Eligible] {
        let creators = try await backend.creators.findEligible(.with {
            $0.mode = item.mode == .bible ? .bible : .positivity
            $0.language = item.language
        }).creators
        let month = CalendarDate(item.postDate).map { CalendarDate(year: $0.year, month: $0.month, day: 1) } ?? CalendarDate.today
        let monthItems = try await backend.content.list(.with {
            $0.fromDate = month.description
            $0.toDate = month.adding(days: CalendarDate.daysIn(month: month.month, year: month.year) - 1).description
            $0.pageSize = 1000
        }).items
        let load = Dictionary(grouping: monthItems.filter { $0.creatorID != 0 }, by: \.creatorID).mapValues(\.count)
        return creators.map { .init(creator: $0, remaining: Int($0.monthlyCapacity) - (load[$0.id] ?? 0)) }
            .sorted { ($0.remaining, $0.creator.displayName) > ($1.remaining, $1.creator.displayName) }
    }

    static func id(_ context: Context) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw StudioError.notFound("There is no such item.")
        }
        return id
    }
}
