import ContentAPI

/// The production state machine.
///
///     empty -> generated -> assigned -> submitted -> approved
///                           assigned -> generated            (unassign)
///                                       submitted -> rejected -> submitted (resubmission)
public enum ContentStatus: String, Sendable, CaseIterable {
    case empty, generated, assigned, submitted, approved, rejected

    public var allowedNext: [ContentStatus] {
        switch self {
        case .empty: [.generated]
        case .generated: [.assigned]
        case .assigned: [.submitted, .generated]
        case .submitted: [.approved, .rejected]
        case .rejected: [.submitted]
        case .approved: []
        }
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
