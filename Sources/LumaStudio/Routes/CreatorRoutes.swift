import ContentAPI
import Hummingbird

/// A creator's own work: their assignments by date (the services show them nothing else).
extension Studio {
    func addCreatorRoutes(_ router: Router<Context>) {
        router.get("/assignments") { request, _ in
            try await page(request, title: "My assignments", role: .creator) { session in
                let items = try await backend.content.list(.with {
                    $0.creatorID = session.creatorID ?? 0
                    $0.pageSize = 1000
                }).items.sorted { ($0.postDate, $0.id) < ($1.postDate, $1.id) }
                let rows: [HTML] = items.map { item in
                    """
                    <tr class="status-\(item.status.label)"><td>\(item.postDate)</td><td><a href="/items/\(item.id)">\(item.kind)</a></td>
                    <td><span class="badge">\(item.status.label)</span></td><td>\(item.verseReference.isEmpty ? item.topicLabel : item.verseReference)</td></tr>
                    """
                }
                let table: HTML = items.isEmpty ? "<p>Nothing is assigned to you yet.</p>" : """
                    <div class="table-scroll"><table><caption>Items assigned to you, by date</caption>
                    <thead><tr><th scope="col">Date</th><th scope="col">Item</th><th scope="col">Status</th><th scope="col">Verse or theme</th></tr></thead>
                    <tbody>\(rows)</tbody></table></div>
                    """
                return Layout.page("My assignments", session: session, flash: sessions.takeFlash(session.id), table)
            }
        }
    }
}
