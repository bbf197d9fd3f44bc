import ContentAPI

/// How an item is named on a page.
extension Luma_Content_V1_ContentItem {
    /// "bible/en".
    var kind: String { "\(mode.label)/\(language)" }
}
