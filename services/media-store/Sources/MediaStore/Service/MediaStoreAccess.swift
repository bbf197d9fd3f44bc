import LumaAuth
import LumaServiceKit
import MediaAPI

/// Who may call each media-store method. Creators upload and read only their own media (the
/// handlers scope them: another creator's upload or media is NOT_FOUND); services read any
/// (content-pipeline checks a submission's media, the studio streams it to reviewers). The
/// read-only `app` role reads files by id: luma-feed streams a published item's video after
/// content-pipeline's GetPublished listed it (media-store itself knows nothing of publication).
public enum MediaStoreAccess {
    typealias M = Luma_Media_V1_MediaStoreService.Method

    static let uploaders = AccessRule.roles([.admin, .service, .creator])
    static let readers = AccessRule.roles([.admin, .service, .creator, .app])

    public static let policy = AccessPolicy([
        (M.startUpload.descriptor, uploaders),
        (M.getUpload.descriptor, uploaders),
        (M.appendChunk.descriptor, uploaders),
        (M.finishUpload.descriptor, uploaders),
        (M.cancelUpload.descriptor, uploaders),
        (M.getMedia.descriptor, readers),
        (M.readMedia.descriptor, readers),
        (M.checkMedia.descriptor, .adminOrService),
    ])
}
