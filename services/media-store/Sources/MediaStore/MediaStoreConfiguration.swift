import Foundation

/// media-store's limits and clean-up rules (the executable's flags; docs/media.md).
public struct MediaStoreConfiguration: Sendable {
    /// The largest file accepted (--max-upload-size, default 1 GiB).
    public var maxUploadSize: Int64 = 1 << 30
    /// What one creator may hold, stored and in open uploads (--quota, default 20 GiB).
    public var quotaPerCreator: Int64 = 20 << 30
    /// The largest chunk AppendChunk takes; far under the default 4 MiB frame limit.
    public var chunkSize: Int = 1 << 20
    /// What a video must be (duration bounds, 9:16 tolerance).
    public var rules = MediaRules()
    /// An upload without a chunk for this long is dropped (--upload-expiry, default 24 h).
    public var uploadExpiry: TimeInterval = 86_400
    /// A file no item holds is removed once it has been unheld for this long (--media-grace,
    /// default 7 days): time for a creator to submit what they uploaded.
    public var mediaGrace: TimeInterval = 7 * 86_400
    /// How often the clean-up runs (--cleanup-interval, default 10 min).
    public var cleanupInterval: TimeInterval = 600

    public init() {}
}

/// The service's clock, injected so expiry and grace periods are tested on simulated time.
public typealias MediaClock = @Sendable () -> Date

/// RFC 3339 in UTC with milliseconds, as every Luma timestamp; sortable as text.
func rfc3339(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
