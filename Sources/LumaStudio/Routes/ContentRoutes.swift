import ContentAPI
import Foundation
import Hummingbird
import LumaRPC
import LumaValues

/// The admin's calendar, planning, and the admin's moves on an item. Each move is one call to
/// content-pipeline, which decides whether it is allowed; the page only offers what the item's
/// `actions` list.
extension Studio {
    func addAdminRoutes(_ router: RouterGroup<Context>) {
        router.get("/calendar") { request, context in
            try await page(context) { session in
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
                                           flash: context.takeFlash())
            }
        }
        router.post("/plan") { request, context in
            // Back to the month being planned, whatever happens.
            try await action(request, context, PlanForm.self, back: { form in Self.monthPage(trimmed(form.fromDate)) }) { _, form in
                let from = trimmed(form.fromDate), to = trimmed(form.toDate)
                let modes: [Luma_Content_V1_Mode] = (form.modes ?? []).compactMap { $0 == "bible" ? .bible : $0 == "positivity" ? .positivity : nil }
                guard !modes.isEmpty else { throw RPCError.invalidArgument("choose at least one mode", field: "modes") }
                // A refusal of the plan itself (an unknown language, a bad range) changed nothing
                // and is shown next to its field.
                let planned = try await backend.content.plan(.with {
                    $0.fromDate = from; $0.toDate = to; $0.languages = commaList(form.languages); $0.modes = modes
                })
                // From here the items exist: a failure says so, instead of "nothing was changed".
                var generated: Luma_Content_V1_GenerateResponse?, failure: (any Error)?
                do {
                    generated = try await backend.content.generate(.with { $0.range = .with { $0.fromDate = from; $0.toDate = to } },
                                                                   options: .init(timeout: .seconds(600)))
                } catch {
                    failure = error
                }
                let report = PlanReport.words(from: from, to: to, planned: planned, generated: generated, error: failure)
                return Outcome(message: report.message, redirect: Self.monthPage(from), success: report.success)
            }
        }
        itemAction(router, "generate") { id, _ in
            _ = try await backend.content.generate(.with { $0.id = id }, options: .init(timeout: .seconds(120)))
            return "Generated."
        }
        itemAction(router, "regenerate") { id, _ in
            // One call: the same item, written again (a bible item's verse goes back to the pool).
            let item = try await backend.content.regenerate(.with { $0.id = id }, options: .init(timeout: .seconds(120)))
            return item.verseReference.isEmpty ? "Regenerated: new scripts." : "Regenerated: now \(item.verseReference)."
        }
        router.post("/items/:id/assign") { request, context in
            let id = try Self.id(context)
            return try await action(request, context, AssignForm.self, back: "/items/\(id)") { _, form in
                guard let creator = Int64(trimmed(form.creatorID)) else {
                    throw RPCError.invalidArgument("choose a creator", field: "creator_id")
                }
                let item = try await backend.content.assign(.with { $0.id = id; $0.creatorID = creator })
                let name = (try? await backend.creators.getCreator(.with { $0.id = item.creatorID }).displayName) ?? "creator \(item.creatorID)"
                return Outcome(message: "Assigned to \(name).")
            }
        }
        itemAction(router, "retry-render") { id, _ in
            // The service decides whether the job may be retried; its refusal is shown under
            // the Retry render button (field "render"), whatever field it names.
            do {
                let item = try await backend.content.retryRender(.with { $0.id = id })
                return "Retrying the render: \(RenderView.words(item.render, creatorName: nil))"
            } catch let error as RPCError where error.code != .notFound && error.code != .permissionDenied {
                throw RPCError(error.code, error.message, field: "render")
            }
        }
        itemAction(router, "unassign") { id, _ in
            _ = try await backend.content.unassign(.with { $0.id = id })
            return "Unassigned; the item is generated again."
        }
        itemAction(router, "approve") { id, _ in
            _ = try await backend.content.approve(.with { $0.id = id })
            return "Approved."
        }
        router.post("/items/:id/reject") { request, context in
            let id = try Self.id(context)
            return try await action(request, context, NoteForm.self, back: "/items/\(id)") { _, form in
                _ = try await backend.content.reject(.with { $0.id = id; $0.note = trimmed(form.note) })
                return Outcome(message: "Rejected; the creator sees your note.")
            }
        }
        router.post("/items/:id/unpublish") { request, context in
            let id = try Self.id(context)
            return try await action(request, context, NoteForm.self, back: "/items/\(id)") { _, form in
                _ = try await backend.content.unpublish(.with { $0.id = id; $0.note = trimmed(form.note) })
                return Outcome(message: "Unpublished: the feed drops it within its refresh interval.")
            }
        }
        itemAction(router, "republish") { id, _ in
            let item = try await backend.content.republish(.with { $0.id = id })
            return item.publication == "scheduled" ? "Republished: it is scheduled again." : "Republished: it is back in the feed."
        }
        router.post("/items/:id/delete") { request, context in
            let id = try Self.id(context)
            return try await action(request, context, TokenForm.self, back: "/items/\(id)") { _, _ in
                let item = try await backend.content.get(.with { $0.id = id })
                _ = try await backend.content.delete(.with { $0.id = id })
                return Outcome(message: "Deleted item \(id) (\(item.postDate) \(item.kind)).", redirect: Self.monthPage(item.postDate))
            }
        }
    }

    /// "/calendar?month=2027-01" for a date in that month (the current month for anything else).
    static func monthPage(_ date: String) -> String {
        guard let day = CalendarDate(date) else { return "/calendar" }
        return "/calendar?month=\(day.monthKey)"
    }

    /// POST /items/:id/<verb> (a form with only its token), back to the item's page.
    func itemAction(_ router: RouterGroup<Context>, _ verb: String, _ body: @escaping @Sendable (Int64, StudioSession) async throws -> String) {
        router.post("/items/:id/\(verb)") { request, context in
            let id = try Self.id(context)
            return try await action(request, context, TokenForm.self, back: "/items/\(id)") { session, _ in
                Outcome(message: try await body(id, session))
            }
        }
    }

    static func id(_ context: Context) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw StudioError.notFound("There is no such item.")
        }
        return id
    }
}
