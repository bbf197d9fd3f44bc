/// Every move of the production state machine, written once: where it may start and where it
/// ends. `ContentStatus.allowedNext`, every call site and the refusal messages derive from it.
///
///     empty -> generated -> assigned -> submitted -> approved
///                           assigned -> generated            (unassign)
///                                       submitted -> rejected -> submitted (resubmission)
///                                                    rejected -> assigned  (to another creator)
public enum ContentTransition: String, Sendable, CaseIterable {
    case generate, assign, submit, unassign, approve, reject

    public var from: Set<ContentStatus> {
        switch self {
        case .generate: [.empty]
        // A rejected item may go to another creator (say its creator was deleted).
        case .assign: [.generated, .rejected]
        case .unassign: [.assigned]
        case .submit: [.assigned, .rejected]
        case .approve, .reject: [.submitted]
        }
    }

    public var to: ContentStatus {
        switch self {
        case .generate, .unassign: .generated
        case .assign: .assigned
        case .submit: .submitted
        case .approve: .approved
        case .reject: .rejected
        }
    }

    /// "generated", "unassigned": what the item is, once moved.
    public var participle: String {
        switch self {
        case .generate: "generated"
        case .assign: "assigned"
        case .submit: "submitted"
        case .unassign: "unassigned"
        case .approve: "approved"
        case .reject: "rejected"
        }
    }

    /// Nil if allowed from `status`, else FAILED_PRECONDITION's message.
    func refusal(item: Int64, from status: ContentStatus) -> String? {
        from.contains(status) ? nil : status.refusal(item: item, transition: self)
    }
}
