import LumaServiceKit

/// Where tests can hold verse-registry's calls to force a race (see docs/integrity.md).
public enum VerseRegistryPausePoints {
    /// ClaimVerse / ClaimNextUnused: content-pipeline said the item exists; nothing written yet.
    public static let claimAfterContentCheck = PausePoint("verse-registry.claim.after-content-check")
}
