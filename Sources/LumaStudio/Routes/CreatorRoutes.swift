import ContentAPI
import Hummingbird

/// A creator's own work: their assignments by date (the services show them nothing else), each
/// saying what content-pipeline lets them do with it now.
extension Studio {
    func addCreatorRoutes(_ router: RouterGroup<Context>) {
        router.get("/assignments") { _, context in
            try await page(context) { session in
                let items = try await backend.content.list(.with {
                    $0.creatorID = session.creatorID ?? 0
                    $0.pageSize = 1000
                }).items.sorted { ($0.postDate, $0.id) < ($1.postDate, $1.id) }
                return AssignmentsPage.render(items, session: session, flash: context.takeFlash())
            }
        }
    }
}

enum AssignmentsPage {
    static func render(_ items: [Luma_Content_V1_ContentItem], session: StudioSession, flash: StudioSession.Flash?) -> HTML {
        let rows: [HTML] = items.map { item in
            // What is theirs to do is what the service lists for them.
            let todo: HTML = item.actions.contains(.submit)
                ? "<a href=\"/items/\(item.id)\">\(item.status == .rejected ? "Film again and resubmit" : "Film and submit")</a>"
                : "waiting for review or done"
            return """
                <tr class="status-\(item.status.label)"><td>\(item.postDate)</td><td><a href="/items/\(item.id)">\(item.kind)</a></td>
                <td><span class="badge">\(item.status.label)</span></td><td>\(item.verseReference.isEmpty ? item.topicLabel : item.verseReference)</td>
                <td>\(todo)</td></tr>
                """
        }
        let table: HTML = items.isEmpty ? "<p>Nothing is assigned to you yet.</p>" : """
            <div class="table-scroll"><table><caption>Items assigned to you, by date</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">Item</th><th scope="col">Status</th><th scope="col">Verse or theme</th>
            <th scope="col">Your next step</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        return Layout.page("My assignments", session: session, flash: flash, table)
    }
}
