import ContentAPI

/// An item's place in the production state machine (its moves: `ContentTransition`).
public enum ContentStatus: String, Sendable, CaseIterable {
    case empty, generated, assigned, submitted, approved, rejected

    /// Where an item can go from here, in `ContentTransition`'s order.
    public var allowedNext: [ContentStatus] {
        var next: [ContentStatus] = []
        for transition in ContentTransition.allCases where transition.from.contains(self) && !next.contains(transition.to) {
            next.append(transition.to)
        }
        return next
    }

    public func canMove(to next: ContentStatus) -> Bool { allowedNext.contains(next) }

    /// The moves an item in this status can make, in `ContentTransition`'s order.
    public var allowedTransitions: [ContentTransition] {
        ContentTransition.allCases.filter { $0.from.contains(self) }
    }

    /// "item 2 is assigned, so it cannot be generated (only an empty item can); an assigned item
    /// can be: submitted, unassigned" / "...; approved is final".
    func refusal(item: Int64, transition: ContentTransition) -> String {
        let starts = ContentStatus.allCases.filter { transition.from.contains($0) }.map(\.rawValue).joined(separator: " or ")
        let allowed = allowedTransitions.map(\.participle).joined(separator: ", ")
        let article = rawValue.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        let next = allowed.isEmpty ? "\(rawValue) is final" : "\(article) \(rawValue) item can be: \(allowed)"
        return "item \(item) is \(rawValue), so it cannot be \(transition.participle) (only \(starts) items can); \(next)"
    }

    /// The statuses in which an item holds its creator (what monthly capacity counts).
    static let holdingCreator: [ContentStatus] = [.assigned, .submitted, .approved, .rejected]

    /// The wire status of the same name: the API's labels (ContentAPI) are the one list of
    /// names; a status here without a wire twin fails the round-trip test.
    var message: Luma_Content_V1_Status {
        Luma_Content_V1_Status.allCases.first { $0.label == rawValue } ?? .unspecified
    }

    init?(_ message: Luma_Content_V1_Status) {
        self.init(rawValue: message.label)
    }
}

public enum ContentMode: String, Sendable, CaseIterable {
    case bible, positivity

    var message: Luma_Content_V1_Mode { self == .bible ? .bible : .positivity }

    init?(_ message: Luma_Content_V1_Mode) {
        switch message {
        case .bible: self = .bible
        case .positivity: self = .positivity
        default: return nil
        }
    }
}
