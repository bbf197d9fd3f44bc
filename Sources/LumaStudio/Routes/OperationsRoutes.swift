import ContentAPI
import Hummingbird
import OpsAPI

/// The operations page: each service's outbox, and the cross-service integrity check.
extension Studio {
    func addOperationsRoutes(_ router: Router<Context>) {
        router.get("/operations") { request, _ in
            try await page(request, title: "Operations", role: .admin) { session in
                var rows: [HTML] = []
                for (name, client) in [("content-pipeline", backend.contentOperations), ("creator-registry", backend.creatorOperations)] {
                    do {
                        let status = try await client.outboxStatus(.with { $0.includeEntries = true })
                        let failed: [HTML] = status.entries.filter { !$0.lastError.isEmpty }.prefix(5).map {
                            "<li>\($0.target): \($0.lastError) (\($0.attempts) attempts)</li>"
                        }
                        rows.append("""
                            <tr><th scope="row">\(name)</th><td>\(status.pending)</td><td>\(status.failed)</td>
                            <td>\(Int(status.oldestPendingAgeSeconds)) s</td><td><ul>\(failed)</ul></td></tr>
                            """)
                    } catch StudioError.serviceDown(_, let detail) {
                        rows.append("<tr><th scope=\"row\">\(name)</th><td colspan=\"4\" class=\"error\">not answering: \(detail)</td></tr>")
                    }
                }
                return Layout.page("Operations", session: session, flash: sessions.takeFlash(session.id), """
                    <div class="table-scroll"><table><caption>Outboxes (cross-service effects waiting to be delivered)</caption>
                    <thead><tr><th scope="col">Service</th><th scope="col">Pending</th><th scope="col">Failed</th>
                    <th scope="col">Oldest</th><th scope="col">Last errors</th></tr></thead><tbody>\(rows)</tbody></table></div>
                    <section class="card" aria-labelledby="integrity-heading"><h2 id="integrity-heading">Integrity check</h2>
                    <p>Looks for references across the services that point nowhere (docs/integrity.md). It only reads.</p>
                    <form method="post" action="/operations/integrity">\(Layout.csrf(session))<button type="submit">Run the check</button></form>
                    </section>
                    """)
            }
        }
        router.post("/operations/integrity") { request, _ in
            try await action(request, back: "/operations", role: .admin) { _, _ in
                let report = try await backend.content.checkIntegrity(.init(), options: .init(timeout: .seconds(120)))
                let problems = report.ledgerOrphanContentIds.count + report.contentWithMissingCreator.count
                    + report.creatorsWithMissingUser.count + report.bibleItemsWithoutLedgerRow.count + report.bibleItemsWithForeignLedgerRow.count
                let summary = problems == 0 ? "Integrity check: nothing dangling." : "Integrity check: \(problems) problems. "
                    + report.notes.joined(separator: " ")
                return (summary + " Outbox: \(report.outboxPending) pending, \(report.outboxFailed) failed.", nil)
            }
        }
    }
}
