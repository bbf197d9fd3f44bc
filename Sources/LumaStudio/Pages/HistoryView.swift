import ContentAPI

/// An item's history in words, as content-pipeline recorded it: who made each move (the
/// event's actor, by name) and whom it concerns (the creator, by name).
enum HistoryView {
    static func section(_ item: Luma_Content_V1_ContentItem, names: Names) -> HTML {
        guard !item.history.isEmpty else { return "" }
        let events: [HTML] = item.history.map { event in
            "<li><time datetime=\"\(event.at)\">\(event.at)</time> \(words(event, names: names))</li>"
        }
        return "<section class=\"card\" aria-labelledby=\"history-heading\"><h2 id=\"history-heading\">History</h2><ol class=\"history\">\(events)</ol></section>"
    }

    /// "approved by Ada Admin (admin)", "assigned to Grace Lee by Ada Admin (admin)",
    /// "rejected by Ada Admin (admin): Audio is too quiet". An event recorded before actors were
    /// kept says what happened without saying by whom.
    static func words(_ event: Luma_Content_V1_ReviewEvent, names: Names) -> String {
        let by = actor(event).map { " by \($0)" } ?? ""
        let creator = event.creatorID == 0 ? nil : names.creator(event.creatorID)
        let verse = event.verseReference.isEmpty ? "" : " (\(event.verseReference))"
        let note = event.note.isEmpty ? "" : ": \(event.note)"
        switch event.action {
        case "generated": return "generated\(verse)\(by)"
        case "regenerated": return "regenerated\(verse)\(by)"
        case "assigned": return "assigned" + (creator.map { " to \($0)" } ?? "") + by
        case "unassigned": return "unassigned" + (creator.map { " from \($0)" } ?? "") + by
        case "submitted":
            // The creator submits their own video (an AI creator's comes from the render worker).
            return "submitted" + (by.isEmpty ? creator.map { " by \($0)" } ?? "" : by)
        case "approved", "rejected": return event.action + by + note
        default: return event.action + by + note
        }
    }

    /// "Ada Admin (admin)", "Grace Lee (creator)", "content-pipeline render worker"; nil when
    /// the event has no actor.
    static func actor(_ event: Luma_Content_V1_ReviewEvent) -> String? {
        guard event.hasActor else { return nil }
        let actor = event.actor
        let role = actor.role == "service" ? "" : actor.role
        if !actor.name.isEmpty { return role.isEmpty ? actor.name : "\(actor.name) (\(role))" }
        if !role.isEmpty { return actor.userID == 0 ? (role == "admin" ? "an admin" : "a \(role)") : "user \(actor.userID) (\(role))" }
        return actor.subject.isEmpty ? nil : actor.subject
    }
}
