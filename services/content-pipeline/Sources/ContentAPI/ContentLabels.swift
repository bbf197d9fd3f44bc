/// How a status and a mode read for people (lumactl's tables, the studio's pages): the words
/// the services use for them (`ContentStatus`, `ContentMode` raw values).
extension Luma_Content_V1_Status {
    public var label: String {
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
    public var label: String { self == .bible ? "bible" : self == .positivity ? "positivity" : "unknown" }
}

extension Luma_Content_V1_Action {
    /// "regenerate", "retry-render": as lumactl's subcommands and the studio's routes name them.
    public var label: String {
        switch self {
        case .generate: "generate"
        case .regenerate: "regenerate"
        case .assign: "assign"
        case .unassign: "unassign"
        case .submit: "submit"
        case .approve: "approve"
        case .reject: "reject"
        case .delete: "delete"
        case .retryRender: "retry-render"
        case .unpublish: "unpublish"
        case .republish: "republish"
        default: "unknown"
        }
    }
}
