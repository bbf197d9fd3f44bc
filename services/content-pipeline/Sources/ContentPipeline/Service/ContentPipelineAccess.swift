import ContentAPI
import LumaAuth
import LumaRPC
import LumaServiceKit

/// Who may call each content-pipeline method. Creators may read and submit, but only for
/// items assigned to them; the handlers enforce that part (`CreatorScope`). The `app` role
/// reads only what is published.
public enum ContentPipelineAccess {
    typealias M = Luma_Content_V1_ContentPipelineService.Method

    public static let policy = AccessPolicy([
        (M.plan.descriptor, .admin),
        (M.generate.descriptor, .admin),
        (M.regenerate.descriptor, .admin),
        (M.assign.descriptor, .admin),
        (M.listAssignableCreators.descriptor, .admin),
        (M.unassign.descriptor, .admin),
        (M.retryRender.descriptor, .admin),
        (M.listRenders.descriptor, .adminOrService),
        (M.submit.descriptor, .roles([.admin, .creator])),
        (M.approve.descriptor, .admin),
        (M.reject.descriptor, .admin),
        (M.get.descriptor, .roles([.admin, .service, .creator])),
        (M.list.descriptor, .roles([.admin, .service, .creator])),
        (M.board.descriptor, .roles([.admin, .service, .creator])),
        (M.delete.descriptor, .admin),
        // Foreign-key checks from verse-registry, SET NULL from creator-registry.
        (M.contentExists.descriptor, .adminOrService),
        (M.creatorDeleted.descriptor, .adminOrService),
        // media-store's clean-up asks before removing files.
        (M.releaseUnheldMedia.descriptor, .adminOrService),
        (M.checkIntegrity.descriptor, .admin),
        // Publishing: admins pull and restore; the app (and other services) read the feed.
        (M.unpublish.descriptor, .admin),
        (M.republish.descriptor, .admin),
        (M.getPublished.descriptor, .roles([.service, .app])),
        (M.listPublished.descriptor, .roles([.service, .app])),
    ]).merging(OperationsAccess.policy)
}

/// What a creator token may see: only items assigned to its creator.
enum CreatorScope {
    /// The creator the caller is limited to, or nil for admins, services and the insecure mode.
    static var creatorID: Int64? {
        guard let principal = Principal.current, principal.role == .creator else { return nil }
        return principal.creatorID
    }

    static func requireOwn(_ item: ContentRecord) throws {
        if let creator = creatorID, item.creatorID != creator {
            throw RPCError(.permissionDenied, "item \(item.id) is not assigned to creator \(creator)", field: "id")
        }
    }
}
