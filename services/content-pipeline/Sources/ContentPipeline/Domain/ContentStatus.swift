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

    /// "item 5 is approved; approved is final" / "item 5 is generated; from generated it can go to: assigned".
    func refusal(item: Int64, wanted: ContentStatus) -> String {
        let allowed = allowedNext.map(\.rawValue).joined(separator: ", ")
        let next = allowed.isEmpty ? "\(rawValue) is final" : "from \(rawValue) it can go to: \(allowed)"
        return "item \(item) is \(rawValue), so it cannot become \(wanted.rawValue); \(next)"
    }

    var message: Luma_Content_V1_Status {
        switch self {
        case .empty: .empty
        case .generated: .generated
        case .assigned: .assigned
        case .submitted: .submitted
        case .approved: .approved
        case .rejected: .rejected
        }
    }

    init?(_ message: Luma_Content_V1_Status) {
        switch message {
        case .empty: self = .empty
        case .generated: self = .generated
        case .assigned: self = .assigned
        case .submitted: self = .submitted
        case .approved: self = .approved
        case .rejected: self = .rejected
        default: return nil
        }
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
