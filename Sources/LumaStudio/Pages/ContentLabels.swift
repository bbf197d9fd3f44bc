import ContentAPI

/// How content values read on a page.
extension Luma_Content_V1_Status {
    var label: String {
        switch self {
        case .empty: "empty"
        case .generated: "generated"
        case .assigned: "assigned"
        case .submitted: "submitted"
        case .approved: "approved"
        case .rejected: "rejected"
        default: "unknown"
        }
    }
}

extension Luma_Content_V1_Mode {
    var label: String { self == .bible ? "bible" : self == .positivity ? "positivity" : "unknown" }
}

extension Luma_Content_V1_ContentItem {
    /// "bible/en".
    var kind: String { "\(mode.label)/\(language)" }
}
