import ContentAPI
import Foundation

/// The review queue and the filtered item list: rows as content-pipeline lists them.
enum ListPages {
    static func review(_ items: [Luma_Content_V1_ContentItem], names: Names, session: StudioSession,
                       flash: StudioSession.Flash?) -> HTML {
        let now = Date()
        let rows: [HTML] = items.map { item in
            // How long it has waited (its last change was the submission).
            let waiting = RenderView.date(item.updatedAt).map { RenderView.age(now.timeIntervalSince($0)) } ?? item.updatedAt
            return """
            <tr><td><time datetime="\(item.updatedAt)">\(waiting)</time></td><td><a href="/items/\(item.id)">\(item.postDate) \(item.kind)</a></td>
            <td>\(item.creatorID == 0 ? "-" : names.creator(item.creatorID))</td><td>\(subject(item))</td></tr>
            """
        }
        let body: HTML = items.isEmpty ? "<p id=\"review-empty\">Nothing is waiting for review.</p>" : """
            <div class="table-scroll"><table id="review-queue"><caption>Submitted videos, the one waiting longest first</caption>
            <thead><tr><th scope="col">Waiting</th><th scope="col">Item</th><th scope="col">Creator</th><th scope="col">Verse or theme</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        return Layout.page("Review queue", session: session, flash: flash, body)
    }

    static func items(_ answer: Luma_Content_V1_ListContentResponse, filter: ItemFilter, names: Names, session: StudioSession,
                      flash: StudioSession.Flash?) -> HTML {
        let rows: [HTML] = answer.items.map { item in
            """
            <tr class="status-\(item.status.label)"><td>\(item.postDate)</td><td><a href="/items/\(item.id)">\(item.kind)</a></td>
            <td><span class="badge">\(item.status.label)</span></td><td>\(item.creatorID == 0 ? "-" : names.creator(item.creatorID))</td>
            <td>\(subject(item))</td></tr>
            """
        }
        func option(_ value: String, _ label: String, selected: String?) -> HTML {
            "<option value=\"\(value)\"\(HTML(raw: value == trimmed(selected) ? " selected" : ""))>\(label)</option>"
        }
        let statuses = [option("", "any status", selected: filter.status)] + ItemFilter.statuses.map { option($0.0, $0.0, selected: filter.status) }
        let creators = [option("", "any creator", selected: filter.creator)]
            + names.creators.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map { option("\($0.key)", $0.value, selected: filter.creator) }
        let languages = ["", "en", "es"].map { option($0, $0.isEmpty ? "any language" : $0, selected: filter.language) }
        func select(_ name: String, _ label: String, _ options: [HTML]) -> HTML {
            """
            <p class="field"><label for="field-\(name)">\(label)</label><select id="field-\(name)" name="\(name)">\(options)</select>
            \(Layout.fieldError(name, flash: flash))</p>
            """
        }
        let more: HTML = answer.nextPageToken.isEmpty ? "" : "<p><a rel=\"next\" href=\"/items?\(filter.query(page: answer.nextPageToken))\">More items</a></p>"
        let table: HTML = answer.items.isEmpty ? "<p id=\"items-empty\">No item matches.</p>" : """
            <div class="table-scroll"><table id="item-list"><caption>Items by date</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">Item</th><th scope="col">Status</th><th scope="col">Creator</th>
            <th scope="col">Verse or theme</th></tr></thead><tbody>\(rows)</tbody></table></div>\(more)
            """
        return Layout.page("Items", session: session, flash: flash, """
            <form method="get" action="/items" class="card filters" role="search">
            \(select("status", "Status", statuses))
            \(select("creator", "Creator", creators))
            \(select("language", "Language", languages))
            \(Layout.field("Search verse, topic and scripts", name: "q", type: "search", value: trimmed(filter.q), flash: flash))
            \(Layout.field("From", name: "from", type: "date", value: trimmed(filter.from), flash: flash))
            \(Layout.field("To", name: "to", type: "date", value: trimmed(filter.to), flash: flash))
            <p><button type="submit">Filter</button></p>
            </form>
            \(table)
            """)
    }

    /// The verse (bible) or the theme (positivity).
    static func subject(_ item: Luma_Content_V1_ContentItem) -> String {
        item.verseReference.isEmpty ? (item.topicLabel.isEmpty ? item.category : item.topicLabel) : item.verseReference
    }
}
