import LumaAuth
import LumaServiceKit
import MediaAPI

/// Who may call each media-store method. Creators upload and read only their own media (the
/// handlers scope them: another creator's upload or media is NOT_FOUND); services read any
/// (content-pipeline checks a submission's media, the studio streams it to reviewers).
public enum MediaStoreAccess {
    typealias M = Luma_Media_V1_MediaStoreService.Method

    static let uploaders = AccessRule.roles([.admin, .service, .creator])

    public static let policy = AccessPolicy([
        (M.startUpload.descriptor, uploaders),
        (M.getUpload.descriptor, uploaders),
        (M.appendChunk.descriptor, uploaders),
        (M.finishUpload.descriptor, uploaders),
        (M.cancelUpload.descriptor, uploaders),
        (M.getMedia.descriptor, uploaders),
        (M.readMedia.descriptor, uploaders),
        (M.checkMedia.descriptor, .adminOrService),
    ])
}
