import ContentAPI
import LumaAuth
import LumaRPC

/// A move a caller may make on an item, and the one place that decides whether they may make
/// it now: the caller's role must be allowed the method (`ContentPipelineAccess.policy`, what
/// the server enforces), the state machine must allow it from the item's status
/// (`ContentTransition`), a creator only acts on their own items, and a render is retried only
/// when it failed. Items carry the result (`ContentItem.actions`); clients show those and no
/// others.
public enum ContentAction: String, Sendable, CaseIterable {
    case generate, regenerate, assign, unassign, submit, approve, reject, delete, retryRender, unpublish, republish

    typealias M = Luma_Content_V1_ContentPipelineService.Method

    var method: RPCMethodDescriptor {
        switch self {
        case .generate: M.generate.descriptor
        case .regenerate: M.regenerate.descriptor
        case .assign: M.assign.descriptor
        case .unassign: M.unassign.descriptor
        case .submit: M.submit.descriptor
        case .approve: M.approve.descriptor
        case .reject: M.reject.descriptor
        case .delete: M.delete.descriptor
        case .retryRender: M.retryRender.descriptor
        case .unpublish: M.unpublish.descriptor
        case .republish: M.republish.descriptor
        }
    }

    /// The statuses it may start from.
    var from: Set<ContentStatus> {
        switch self {
        case .generate: ContentTransition.generate.from
        case .regenerate: ContentWorkflow.regenerable
        case .assign: ContentTransition.assign.from
        case .unassign: ContentTransition.unassign.from
        case .submit: ContentTransition.submit.from
        case .approve: ContentTransition.approve.from
        case .reject: ContentTransition.reject.from
        // Approved items are published and kept (their verse is never used again).
        case .delete: Set(ContentStatus.allCases).subtracting([.approved])
        case .retryRender: [.assigned]
        case .unpublish, .republish: [.approved]
        }
    }

    var message: Luma_Content_V1_Action {
        switch self {
        case .generate: .generate
        case .regenerate: .regenerate
        case .assign: .assign
        case .unassign: .unassign
        case .submit: .submit
        case .approve: .approve
        case .reject: .reject
        case .delete: .delete
        case .retryRender: .retryRender
        case .unpublish: .unpublish
        case .republish: .republish
        }
    }

    /// What `caller` may do to `item` now. `render`: the item's newest render job;
    /// `publication`: where an approved item stands. Without authentication (insecure
    /// development mode) the caller is an admin.
    static func allowed(on item: ContentRecord, render: RenderJobRecord?, publication: Publication? = nil, caller: Principal?) -> [ContentAction] {
        let role = caller?.role ?? .admin
        return allCases.filter { action in
            guard ContentPipelineAccess.policy.allows(action.method, role), action.from.contains(item.status) else { return false }
            if role == .creator && item.creatorID != caller?.creatorID { return false }
            switch action {
            case .retryRender: return render.map { $0.state == .failed && $0.creatorID == item.creatorID } ?? false
            case .unpublish: return publication != .unpublished
            case .republish: return publication == .unpublished
            default: return true
            }
        }
    }
}
