import ContentAPI
import Hummingbird
import LumaRPC

/// An item's page, for admins and for the creator it is assigned to (content-pipeline answers
/// another creator's item with NOT_FOUND, a 404 here), and a submission by URL (by whoever the
/// item's actions let submit).
extension Studio {
    func addItemRoutes(_ router: RouterGroup<Context>) {
        router.get("/items/:id") { _, context in
            try await page(context) { session in
                let id = try Self.id(context)
                let item = try await backend.content.get(.with { $0.id = id })
                var names = try await backend.names(for: session)
                // The people the history names, as the history names them (a creator sees
                // the admins who reviewed their video without a call they may not make).
                for event in item.history where event.hasActor && event.actor.role == "creator" && !event.actor.name.isEmpty
                    && event.creatorID != 0 && names.creators[event.creatorID] == nil {
                    names.creators[event.creatorID] = event.actor.name
                }
                // Whom it may go to, when assigning is one of its moves. If that list cannot be
                // had, the rest of the page still can: the form says why it is missing.
                var assignable: Result<Luma_Content_V1_ListAssignableCreatorsResponse, any Error>?
                if item.actions.contains(.assign) {
                    do {
                        assignable = .success(try await backend.content.listAssignableCreators(.with { $0.id = id }))
                    } catch {
                        logger.warning("assignable creators not listed", metadata: ["item": "\(id)", "error": "\(error)"])
                        assignable = .failure(error)
                    }
                }
                return ItemPage.render(item, session: session, flash: context.takeFlash(), names: names, assignable: assignable)
            }
        }
        addSubmitRoutes(router)
    }

    func addSubmitRoutes(_ router: RouterGroup<Context>) {
        router.post("/items/:id/submit") { request, context in
            let id = try Self.id(context)
            return try await action(request, context, SubmitURLForm.self, back: "/items/\(id)") { _, form in
                _ = try await backend.content.submit(.with {
                    $0.id = id; $0.videoURL = trimmed(form.videoURL); $0.thumbnailURL = trimmed(form.thumbnailURL)
                })
                return Outcome(message: "Submitted. An admin will review it.")
            }
        }
    }
}
