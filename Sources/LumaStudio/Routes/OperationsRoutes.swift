import ContentAPI
import Hummingbird
import Foundation
import LumaRPC
import OpsAPI

/// The operations page: each service's outbox, and the cross-service integrity check.
extension Studio {
    func addOperationsRoutes(_ router: RouterGroup<Context>) {
        router.get("/operations") { _, context in
            try await page(context) { session in
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
                let renders = await renderJobs()
                return Layout.page("Operations", session: session, flash: context.takeFlash(), """
                    <div class="table-scroll"><table><caption>Outboxes (cross-service effects waiting to be delivered)</caption>
                    <thead><tr><th scope="col">Service</th><th scope="col">Pending</th><th scope="col">Failed</th>
                    <th scope="col">Oldest</th><th scope="col">Last errors</th></tr></thead><tbody>\(rows)</tbody></table></div>
                    \(renders)
                    <section class="card" aria-labelledby="integrity-heading"><h2 id="integrity-heading">Integrity check</h2>
                    <p>Looks for references across the services that point nowhere (docs/integrity.md). It only reads.</p>
                    <form method="post" action="/operations/integrity">\(Layout.csrf(session))<button type="submit">Run the check</button></form>
                    </section>
                    """)
            }
        }
        router.post("/operations/integrity") { request, context in
            try await action(request, context, TokenForm.self, back: "/operations") { _, _ in
                let report = try await backend.content.checkIntegrity(.init(), options: .init(timeout: .seconds(120)))
                let problems = report.ledgerOrphanContentIds.count + report.contentWithMissingCreator.count
                    + report.creatorsWithMissingUser.count + report.bibleItemsWithoutLedgerRow.count + report.bibleItemsWithForeignLedgerRow.count
                let summary = problems == 0 ? "Integrity check: nothing dangling." : "Integrity check: \(problems) problems. "
                    + report.notes.joined(separator: " ")
                return Outcome(message: summary + " Outbox: \(report.outboxPending) pending, \(report.outboxFailed) failed.")
            }
        }
    }

    /// AI creators' render jobs (ListRenders): those in flight with the oldest one's age, and
    /// the failed ones with content-pipeline's words, each linking to its item.
    func renderJobs() async -> HTML {
        let inFlight: [Luma_Content_V1_RenderJob], failed: [Luma_Content_V1_RenderJob]
        do {
            var jobs: [Luma_Content_V1_RenderJob] = [], token = ""
            for _ in 0..<10 {   // at most 10 000 jobs in flight are looked at
                let page = try await backend.content.listRenders(.with { $0.states = RenderView.inFlight; $0.pageSize = 1000; $0.pageToken = token })
                jobs += page.jobs
                token = page.nextPageToken
                if token.isEmpty { break }
            }
            inFlight = jobs
            failed = try await backend.content.listRenders(.with { $0.states = ["failed"]; $0.pageSize = 100 }).jobs
        } catch StudioError.serviceDown(_, let detail) {
            return "<section class=\"card\" id=\"renders\" aria-labelledby=\"renders-heading\"><h2 id=\"renders-heading\">Renders</h2><p class=\"error\">content-pipeline is not answering: \(detail)</p></section>"
        } catch let error as RPCError {
            return "<section class=\"card\" id=\"renders\" aria-labelledby=\"renders-heading\"><h2 id=\"renders-heading\">Renders</h2><p class=\"error\">\(Studio.words(error))</p></section>"
        } catch {
            return "<section class=\"card\" id=\"renders\" aria-labelledby=\"renders-heading\"><h2 id=\"renders-heading\">Renders</h2><p class=\"error\">The render jobs could not be listed.</p></section>"
        }
        var names: [Int64: String] = [:]
        for id in Set((inFlight + failed).map(\.creatorID)) where id != 0 {
            names[id] = try? await backend.creators.getCreator(.with { $0.id = id }).displayName
        }
        func creator(_ job: Luma_Content_V1_RenderJob) -> String { names[job.creatorID].map { "\($0) (\(job.creatorID))" } ?? "\(job.creatorID)" }
        func item(_ job: Luma_Content_V1_RenderJob) -> HTML { "<a href=\"/items/\(job.dailyContentID)\">Item \(job.dailyContentID)</a>" }
        let now = Date()
        let oldest = inFlight.compactMap { RenderView.date($0.createdAt) }.min()
        let summary: HTML = oldest.map {
            "<p id=\"renders-summary\">\(inFlight.count) in flight; the oldest was assigned \(RenderView.age(now.timeIntervalSince($0))) ago. \(failed.count) failed.</p>"
        } ?? "<p id=\"renders-summary\">None in flight. \(failed.count) failed.</p>"
        let flightRows: [HTML] = inFlight.prefix(100).map { job in
            let since = RenderView.date(job.createdAt).map { RenderView.age(now.timeIntervalSince($0)) } ?? job.createdAt
            return "<tr><th scope=\"row\">\(item(job))</th><td>\(creator(job))</td><td>\(job.state)</td><td>\(RenderView.words(job, creatorName: names[job.creatorID]))</td><td>\(since)</td></tr>"
        }
        let failedRows: [HTML] = failed.map { job in
            "<tr><th scope=\"row\">\(item(job))</th><td>\(creator(job))</td><td>\(job.lastError)</td><td>\(job.attempts)</td><td><time datetime=\"\(job.updatedAt)\">\(job.updatedAt)</time></td></tr>"
        }
        let more: HTML = inFlight.count > 100 ? "<p>And \(inFlight.count - 100) more in flight (lumactl renders lists them all).</p>" : ""
        let flightTable: HTML = inFlight.isEmpty ? "" : """
            <div class="table-scroll"><table id="renders-in-flight"><caption>Renders in flight (queued, starting, rendering, storing)</caption>
            <thead><tr><th scope="col">Item</th><th scope="col">Creator</th><th scope="col">State</th><th scope="col">Where it is</th>
            <th scope="col">Age</th></tr></thead><tbody>\(flightRows)</tbody></table></div>\(more)
            """
        let failedTable: HTML = failed.isEmpty ? "" : """
            <div class="table-scroll"><table id="renders-failed"><caption>Failed renders (retry on the item's page, or assign a person)</caption>
            <thead><tr><th scope="col">Item</th><th scope="col">Creator</th><th scope="col">Last error</th><th scope="col">Attempts</th>
            <th scope="col">Failed at</th></tr></thead><tbody>\(failedRows)</tbody></table></div>
            """
        return """
            <section class="card" id="renders" aria-labelledby="renders-heading"><h2 id="renders-heading">Renders (AI creators)</h2>
            \(summary)\(flightTable)\(failedTable)</section>
            """
    }
}
