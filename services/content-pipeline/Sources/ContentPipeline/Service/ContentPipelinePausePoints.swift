import LumaServiceKit

/// Where tests can hold content-pipeline's calls to force a race (see docs/integrity.md).
public enum ContentPipelinePausePoints {
    /// Assign: creator-registry said the creator exists and is eligible; nothing written yet.
    public static let assignAfterCreatorCheck = PausePoint("content-pipeline.assign.after-creator-check")
    /// Generate: verse-registry claimed a verse for the item; the item is not yet `generated`.
    public static let generateAfterClaim = PausePoint("content-pipeline.generate.after-claim")
    /// Submit: media-store said the video exists and is the creator's; nothing written yet.
    public static let submitAfterMediaCheck = PausePoint("content-pipeline.submit.after-media-check")
}
