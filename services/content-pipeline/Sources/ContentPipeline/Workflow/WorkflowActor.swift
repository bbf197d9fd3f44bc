import ContentAPI
import LumaAuth

/// Who makes a move, as the item's history keeps it: taken from the caller's token (the
/// studio's tokens for a person have the subject "user:<id>"), with the person's name as
/// creator-registry had it at the time.
public struct WorkflowActor: Sendable, Equatable {
    public var role: String
    public var userID: Int64?
    public var name: String
    public var subject: String

    public init(role: String, userID: Int64? = nil, name: String = "", subject: String) {
        self.role = role
        self.userID = userID
        self.name = name
        self.subject = subject
    }

    /// The caller of the call being served. Without authentication (the insecure development
    /// mode) there is no token: an anonymous admin.
    public static func caller(_ principal: Principal? = Principal.current) -> WorkflowActor {
        guard let principal else { return WorkflowActor(role: "admin", subject: "anonymous (no authentication)") }
        let user = principal.subject.hasPrefix("user:") ? Int64(principal.subject.dropFirst(5)) : nil
        return WorkflowActor(role: principal.role.rawValue, userID: user, subject: principal.subject)
    }

    /// content-pipeline's own moves (the render worker submitting an AI creator's video).
    public static func service(_ name: String) -> WorkflowActor {
        WorkflowActor(role: "service", name: name, subject: name)
    }

    var message: Luma_Content_V1_Actor {
        .with {
            $0.role = role
            $0.userID = userID ?? 0
            $0.name = name
            $0.subject = subject
        }
    }
}
