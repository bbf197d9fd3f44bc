import ContentAPI
import LumaValues

/// The admin's month: a week per row, each day listing its items coloured (and labelled) by
/// status, with counts per mode.
enum CalendarPage {
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    static func render(month first: CalendarDate, language: String, items: [Luma_Content_V1_ContentItem],
                       session: StudioSession, flash: StudioSession.Flash?) -> HTML {
        let days = CalendarDate.daysIn(month: first.month, year: first.year)
        let previous = first.adding(days: -1)
        let next = first.adding(days: days)
        let byDate = Dictionary(grouping: items, by: \.postDate)
        // 1970-01-01 was a Thursday: Monday = 0.
        let lead = (first.dayNumber + 3) % 7
        var cells: [HTML] = Array(repeating: "<td class=\"outside\"></td>", count: lead)
        for day in 0..<days {
            let date = first.adding(days: day)
            let dayItems = (byDate[date.description] ?? []).sorted { ($0.mode.rawValue, $0.language) < ($1.mode.rawValue, $1.language) }
            let counts = Dictionary(grouping: dayItems, by: \.mode).map { "\($0.value.count) \($0.key.label)" }.sorted().joined(separator: ", ")
            let list: [HTML] = dayItems.map { item in
                "<li><a class=\"item status-\(item.status.label)\" href=\"/items/\(item.id)\">\(item.kind) <span class=\"badge\">\(item.status.label)</span></a></li>"
            }
            // A phone shows a day per row without the table's head, so each day names its
            // weekday (shown by the stylesheet on narrow screens only).
            let weekday = weekdayNames[(date.dayNumber + 3) % 7]
            cells.append("""
                <td><div class="day"><span class="date"><span class="weekday">\(weekday) </span>\(date.day)</span>\(HTML(raw: counts.isEmpty ? "" : "<span class=\"counts\">" + HTML.escape(counts) + "</span>"))</div>
                <ul class="items">\(list)</ul></td>
                """)
        }
        while cells.count % 7 != 0 { cells.append("<td class=\"outside\"></td>") }
        let rows: [HTML] = stride(from: 0, to: cells.count, by: 7).map { "<tr>\(Array(cells[$0..<$0 + 7]))</tr>" }
        let statusCounts = Dictionary(grouping: items, by: \.status).map { "\($0.value.count) \($0.key.label)" }.sorted()
        let languages = ["", "en", "es"].map { code -> HTML in
            "<option value=\"\(code)\"\(HTML(raw: code == language ? " selected" : ""))>\(code.isEmpty ? "all languages" : code)</option>"
        }
        let monthName = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                         "November", "December"][first.month - 1]
        let lang = language.isEmpty ? "" : "&language=\(language)"
        return Layout.page("\(monthName) \(first.year)", session: session, flash: flash, """
            <nav class="month" aria-label="Months">
            <a href="/calendar?month=\(previous.monthKey)\(lang)" rel="prev">← \(previous.monthKey)</a>
            <form method="get" action="/calendar" class="inline">
            <input type="hidden" name="month" value="\(first.monthKey)">
            <label for="language">Language</label>
            <select id="language" name="language">\(languages)</select>
            <button type="submit">Filter</button>
            </form>
            <a href="/calendar?month=\(next.monthKey)\(lang)" rel="next">\(next.monthKey) →</a>
            </nav>
            <p class="summary">\(items.count) items\(statusCounts.isEmpty ? "" : ": " + statusCounts.joined(separator: ", ")).</p>
            <div class="table-scroll"><table class="calendar">
            <caption>Content for \(monthName) \(first.year), by day</caption>
            <thead><tr>\(weekdays.map { day -> HTML in "<th scope=\"col\">\(day)</th>" })</tr></thead>
            <tbody>\(rows)</tbody>
            </table></div>
            <section class="card" aria-labelledby="plan-heading">
            <h2 id="plan-heading">Plan and generate</h2>
            <form method="post" action="/plan">
            \(Layout.csrf(session))
            \(Layout.field("From", name: "from_date", type: "date", value: first.description, required: true, flash: flash))
            \(Layout.field("To", name: "to_date", type: "date", value: first.adding(days: 6).description, required: true, flash: flash))
            \(Layout.field("Languages (comma-separated)", name: "languages", value: language.isEmpty ? "en" : language, flash: flash))
            <fieldset><legend>Modes</legend>
            <label><input type="checkbox" name="modes[]" value="bible" checked> bible</label>
            <label><input type="checkbox" name="modes[]" value="positivity" checked> positivity</label>
            \(Layout.fieldError("modes", flash: flash))
            </fieldset>
            <p><button type="submit">Plan and generate</button></p>
            </form>
            </section>
            """)
    }
}
