import ContentAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import LumaRPC
import Testing
@testable import LumaStudio

/// The studio renders what content-pipeline says, checked page by page against the services in
/// this process: the buttons are the item's actions, the assign list is the service's, one
/// Regenerate call keeps the item, refusals are words next to their field, the review queue
/// and filters are the service's List, people are named.
@Suite("Luma Studio: the workflow as the API says", .serialized)
struct StudioWorkflowTests {
    typealias W = StudioWorld

    @Test func anItemPageOffersExactlyTheMovesTheServiceLists() async throws {
        let w = try await StudioWorld.make()
        let id = w.items[0]
        try await Application(router: w.studio.router()).test(.router) { client in
            // Generated, as the admin sees it.
            var actions = try await w.item(id).actions
            #expect(actions.contains(.assign) && actions.contains(.regenerate), "\(actions)")
            var page = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(W.itemForms(page, id: id) == W.forms(for: actions), "\(W.itemForms(page, id: id)) vs \(actions)")

            // Assigned to Grace: the admin's moves and hers differ, and each page has its own.
            try await w.assign(id, to: w.graceCreator)
            actions = try await w.item(id).actions
            page = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(W.itemForms(page, id: id) == W.forms(for: actions), "\(W.itemForms(page, id: id)) vs \(actions)")
            let hers = try await w.contentAsGrace.get(.with { $0.id = id }).actions
            #expect(hers.contains(.submit) && W.forms(for: hers) != W.forms(for: actions), "\(hers) vs \(actions)")
            page = try await W.page(client, "/items/\(id)", as: w.grace)
            #expect(W.itemForms(page, id: id) == W.forms(for: hers), "\(W.itemForms(page, id: id)) vs \(hers)")

            // Submitted: she has nothing left to do, and her assignments page says so.
            try await w.submitAsGrace(id)
            let now = try await w.contentAsGrace.get(.with { $0.id = id }).actions
            page = try await W.page(client, "/items/\(id)", as: w.grace)
            #expect(W.itemForms(page, id: id) == W.forms(for: now), "\(now)")
            let assignments = try await W.page(client, "/assignments", as: w.grace)
            #expect(assignments.contains("waiting for review or done") && !assignments.contains("Film and submit"))
        }
        await w.stack.stop()
    }

    /// The moves the service lists work from the page for whoever it lists them for: an admin
    /// submitting on a creator's behalf, deleting an item (back to its month, the item gone).
    @Test func theListedMovesWorkFromThePage() async throws {
        let w = try await StudioWorld.make()
        let (submitted, deleted) = (w.items[0], w.items[1])
        try await w.assign(submitted, to: w.graceCreator)
        #expect(try await w.item(submitted).actions.contains(.submit), "content-pipeline lets an admin submit")
        #expect(try await w.item(deleted).actions.contains(.delete))
        try await Application(router: w.studio.router()).test(.router) { client in
            #expect(try await W.post(client, "/items/\(submitted)/submit", as: w.admin, [
                ("video_url", "https://cdn.example/v/a.mp4"), ("thumbnail_url", "https://cdn.example/t/a.jpg"),
            ]) == "/items/\(submitted)")
            #expect(try await w.item(submitted).status == .submitted)
            #expect(try await W.post(client, "/items/\(deleted)/delete", as: w.admin) == "/calendar?month=2027-05")
            let calendar = try await W.page(client, "/calendar?month=2027-05", as: w.admin)
            #expect(W.element("flash", in: calendar)?.hasPrefix("Deleted item \(deleted)") == true)
            #expect(!calendar.contains("href=\"/items/\(deleted)\""))
            // An address whose id is not one is a 404 page, not an error.
            let response = try await client.execute(uri: "/items/abc/approve", method: .post, headers: W.cookie(w.admin), body: nil)
            #expect(response.status == .notFound && String(buffer: response.body).contains("There is no such item."))
        }
        await w.stack.stop()
    }

    @Test func theAssignListIsTheServicesWithWhatIsLeftAndWhyNot() async throws {
        let w = try await StudioWorld.make()
        try await w.assign(w.items[0], to: w.mateoCreator)   // Mateo's one of the month
        try await w.assign(w.items[1], to: w.graceCreator)   // one of Grace's three
        let id = w.items[2]
        try await Application(router: w.studio.router()).test(.router) { client in
            let page = try await W.page(client, "/items/\(id)", as: w.admin)
            let listed = try await w.content.listAssignableCreators(.with { $0.id = id })
            let grace = try #require(listed.creators.first { $0.creatorID == w.graceCreator.id })
            let mateo = try #require(listed.creators.first { $0.creatorID == w.mateoCreator.id })
            #expect(grace.assignable && grace.remaining == 2 && !mateo.assignable && mateo.remaining == 0)
            #expect(page.contains("<option value=\"\(grace.creatorID)\">Grace Lee: 2 of 3 left in 2027-05</option>"), "\(page)")
            #expect(page.contains("<option value=\"\(mateo.creatorID)\" disabled>Mateo Ruiz: 0 of 1 left in 2027-05; \(HTML.escape(mateo.reason))</option>"))
            #expect(!mateo.reason.isEmpty)
            // The select lists them in the service's order (assignable first).
            let grath = try #require(page.range(of: "value=\"\(grace.creatorID)\"")), mat = try #require(page.range(of: "value=\"\(mateo.creatorID)\""))
            #expect(grath.lowerBound < mat.lowerBound)
            // Assigning from the page names the creator.
            #expect(try await W.post(client, "/items/\(id)/assign", as: w.admin, [("creator_id", "\(grace.creatorID)")]) == "/items/\(id)")
            let after = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(W.element("flash", in: after) == "Assigned to Grace Lee.")
        }
        await w.stack.stop()
    }

    @Test func regenerateIsOneCallThatKeepsTheItem() async throws {
        let w = try await StudioWorld.make()
        let id = w.items[0]
        let before = try await w.item(id)
        try await Application(router: w.studio.router()).test(.router) { client in
            #expect(try await W.post(client, "/items/\(id)/regenerate", as: w.admin) == "/items/\(id)", "back to the same item's page")
            let after = try await w.item(id)
            #expect(after.id == id && after.status == .generated && after.postDate == before.postDate)
            #expect(after.history.last?.action == "regenerated", "\(after.history.map(\.action))")
            let day = try await w.content.list(.with { $0.fromDate = before.postDate; $0.toDate = before.postDate }).items
            #expect(day.map(\.id) == [id], "no second item for the day")
            let page = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(W.element("flash", in: page)?.hasPrefix("Regenerated") == true)
            #expect(page.contains("regenerated (\(after.verseReference)) by Ada Admin (admin)"), "\(page)")
        }
        await w.stack.stop()
    }

    @Test func anUnknownLanguageIsRefusedInWordsNextToItsFieldOnThePlannedMonth() async throws {
        let w = try await StudioWorld.make()
        try await Application(router: w.studio.router()).test(.router) { client in
            let back = try await W.post(client, "/plan", as: w.admin, [
                ("from_date", "2027-09-06"), ("to_date", "2027-09-12"), ("languages", "xx"), ("modes[]", "bible"), ("modes[]", "positivity"),
            ])
            #expect(back == "/calendar?month=2027-09", "the month being planned, not this one")
            let page = try await W.page(client, back ?? "/calendar", as: w.admin)
            let refusal = try #require(W.element("field-languages-error", in: page), "\(page)")
            #expect(!refusal.contains("INVALID_ARGUMENT") && !refusal.contains("field") && refusal.contains("xx"), "\(refusal)")
            #expect(refusal.first?.isUppercase == true && refusal.hasSuffix("."))
            #expect(page.contains("href=\"#field-languages\""), "the summary links to the field")
            #expect(!page.contains("class=\"notice\" role=\"status\" id=\"flash\""), "no success banner")
            #expect(page.contains("id=\"field-languages\" name=\"languages\" type=\"text\" value=\"xx\""), "what was typed is still there")
            #expect(page.contains("name=\"from_date\" type=\"date\" value=\"2027-09-06\""))
            let planned = try await w.content.list(.with { $0.fromDate = "2027-09-01"; $0.toDate = "2027-09-30" }).items
            #expect(planned.isEmpty, "nothing was created")

            // A good plan says what it did, on its month.
            #expect(try await W.post(client, "/plan", as: w.admin, [
                ("from_date", "2027-09-06"), ("to_date", "2027-09-07"), ("languages", "en"), ("modes[]", "positivity"),
            ]) == "/calendar?month=2027-09")
            let done = try await W.page(client, "/calendar?month=2027-09", as: w.admin)
            #expect(W.element("flash", in: done) == "Planned 2 new items for 2027-09-06 to 2027-09-07; generated 2.")
        }
        await w.stack.stop()
    }

    @Test func theReviewQueueIsTheSubmittedItemsOldestFirst() async throws {
        let w = try await StudioWorld.make()
        for id in w.items { try await w.assign(id, to: w.graceCreator) }
        // Submitted last item first: the queue is by waiting time, not by date.
        let order = [w.items[2], w.items[0]]
        for id in order {
            try await w.submitAsGrace(id)
            try await Task.sleep(for: .milliseconds(20))   // updated_at has milliseconds
        }
        try await Application(router: w.studio.router()).test(.router) { client in
            let page = try await W.page(client, "/review", as: w.admin)
            #expect(W.linkedItems(page, table: "review-queue") == order, "\(page)")
            #expect(!page.contains("href=\"/items/\(w.items[1])\""), "an assigned item is not waiting for review")
            #expect(page.contains("<td>Grace Lee</td>"), "the creator by name")
            #expect(Layout.page("x", session: w.admin, "").markup.contains("<a href=\"/review\">Review queue</a>"), "linked in the admin's nav")
            // Reviewed: it leaves the queue.
            #expect(try await W.post(client, "/items/\(order[0])/approve", as: w.admin) == "/items/\(order[0])")
            #expect(W.linkedItems(try await W.page(client, "/review", as: w.admin), table: "review-queue") == [order[1]])
        }
        await w.stack.stop()
    }

    @Test func theItemListFiltersByStatusCreatorLanguageAndText() async throws {
        let w = try await StudioWorld.make()
        try await w.assign(w.items[0], to: w.graceCreator)
        try await w.assign(w.items[1], to: w.mateoCreator)
        let verse = try await w.item(w.items[2]).verseReference
        try #require(!verse.isEmpty)
        try await Application(router: w.studio.router()).test(.router) { client in
            var page = try await W.page(client, "/items?status=assigned", as: w.admin)
            #expect(W.linkedItems(page, table: "item-list") == [w.items[0], w.items[1]])
            page = try await W.page(client, "/items?status=assigned&creator=\(w.graceCreator.id)", as: w.admin)
            #expect(W.linkedItems(page, table: "item-list") == [w.items[0]])
            #expect(page.contains("<option value=\"\(w.graceCreator.id)\" selected>Grace Lee</option>"), "the filter stays chosen")
            page = try await W.page(client, "/items?q=\(verse.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", as: w.admin)
            #expect(W.linkedItems(page, table: "item-list").contains(w.items[2]), "\(verse)")
            #expect(page.contains("type=\"search\" value=\"\(verse)\""))
            page = try await W.page(client, "/items?language=es", as: w.admin)
            #expect(page.contains("id=\"items-empty\"") && W.linkedItems(page, table: "item-list").isEmpty)
            page = try await W.page(client, "/items", as: w.admin)
            #expect(W.linkedItems(page, table: "item-list") == w.items)
            // A filter the service refuses is shown next to its field.
            page = try await W.page(client, "/items?from=2027-05-09&to=2027-05-01", as: w.admin)
            #expect(W.element("field-from-error", in: page)?.contains("after") == true, "\(page)")
        }
        await w.stack.stop()
    }

    @Test func theHistoryNamesWhoDidWhat() async throws {
        let w = try await StudioWorld.make()
        let id = w.items[0]
        try await Application(router: w.studio.router()).test(.router) { client in
            #expect(try await W.post(client, "/items/\(id)/assign", as: w.admin, [("creator_id", "\(w.graceCreator.id)")]) == "/items/\(id)")
            try await w.submitAsGrace(id)
            #expect(try await W.post(client, "/items/\(id)/reject", as: w.admin, [("note", "Audio is too quiet")]) == "/items/\(id)")
            for session in [w.admin, w.grace] {
                let page = try await W.page(client, "/items/\(id)", as: session)
                let history = try #require(W.element("history-heading", in: page, end: "</ol>"))
                #expect(history.contains("assigned to Grace Lee by Ada Admin (admin)"), "\(session.role): \(history)")
                #expect(history.contains("submitted by Grace Lee (creator)"), "\(session.role): \(history)")
                #expect(history.contains("rejected by Ada Admin (admin): Audio is too quiet"), "\(session.role): \(history)")
                #expect(!history.contains("by creator "), "people by name, not by id")
            }
            let page = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(page.contains("<dt>Creator</dt><dd>Grace Lee</dd>"))
        }
        await w.stack.stop()
    }

    /// An approved item says when it is published; an admin pulls it with a note (refused,
    /// next to the note, without one) and puts it back, as the item's actions say.
    @Test func anAdminUnpublishesAndRepublishesFromTheItemPage() async throws {
        let w = try await StudioWorld.make()
        let id = w.items[0]
        try await w.assign(id, to: w.graceCreator)
        try await w.submitAsGrace(id)
        _ = try await w.content.approve(.with { $0.id = id })
        try await Application(router: w.studio.router()).test(.router) { client in
            var item = try await w.item(id)
            #expect(item.publication == "scheduled" && item.actions.contains(.unpublish), "\(item.publication) \(item.actions)")
            var page = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(W.itemForms(page, id: id) == W.forms(for: item.actions), "\(W.itemForms(page, id: id)) vs \(item.actions)")
            #expect(W.element("publication", in: page, end: "</dd>")?.hasPrefix("scheduled") == true, "\(page)")
            // Grace sees the fact, not the move.
            let hers = try await W.page(client, "/items/\(id)", as: w.grace)
            #expect(!W.itemForms(hers, id: id).contains("unpublish"))

            // Without a note: the service's refusal, in words next to the note; nothing changed.
            #expect(try await W.post(client, "/items/\(id)/unpublish", as: w.admin, [("note", "  ")]) == "/items/\(id)")
            page = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(W.element("field-note-error", in: page) != nil, "\(page)")
            #expect(try await w.item(id).publication == "scheduled")

            #expect(try await W.post(client, "/items/\(id)/unpublish", as: w.admin, [("note", "Wrong verse on screen")]) == "/items/\(id)")
            item = try await w.item(id)
            #expect(item.publication == "unpublished" && item.unpublishNote == "Wrong verse on screen")
            page = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(W.itemForms(page, id: id) == W.forms(for: item.actions) && item.actions.contains(.republish), "\(item.actions)")
            #expect(W.element("publication", in: page, end: "</dd>") == "unpublished: Wrong verse on screen")
            let history = try #require(W.element("history-heading", in: page, end: "</ol>"))
            #expect(history.contains("unpublished by Ada Admin (admin): Wrong verse on screen"), "\(history)")

            #expect(try await W.post(client, "/items/\(id)/republish", as: w.admin) == "/items/\(id)")
            #expect(try await w.item(id).publication == "scheduled")
            page = try await W.page(client, "/items/\(id)", as: w.admin)
            #expect(W.element("flash", in: page)?.contains("scheduled again") == true, "\(page)")
        }
        await w.stack.stop()
    }

    @Test func eachDayOfTheCalendarNamesItsWeekdayForAPhone() async throws {
        let w = try await StudioWorld.make()
        try await Application(router: w.studio.router()).test(.router) { client in
            let page = try await W.page(client, "/calendar?month=2027-05", as: w.admin)
            // 1 May 2027 was a Saturday, 3 May a Monday, 31 May a Monday.
            #expect(page.contains("<span class=\"date\"><span class=\"weekday\">Saturday </span>1</span>"))
            #expect(page.contains("<span class=\"date\"><span class=\"weekday\">Monday </span>3</span>"))
            #expect(page.contains("<span class=\"date\"><span class=\"weekday\">Monday </span>31</span>"))
            #expect(page.components(separatedBy: "class=\"weekday\"").count - 1 == 31)
            // Hidden beside the table's head, shown where the head is hidden (a phone).
            let css = StudioStyle.css
            let phone = try #require(css.range(of: "@media (max-width: 40rem)"))
            #expect(css[..<phone.lowerBound].contains(".calendar .weekday { display: none; }"))
            #expect(css[phone.lowerBound...].contains(".calendar thead { display: none; } .calendar .weekday { display: inline; }"))
        }
        await w.stack.stop()
    }
}
