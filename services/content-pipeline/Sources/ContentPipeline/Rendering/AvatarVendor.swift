import Foundation

/// An avatar video vendor: the one place its API's shapes live (`HeyGenVendor`), so another
/// vendor is one more adapter. The render worker (`RenderWorker`) drives it.
public protocol AvatarVendor: Sendable {
    /// The vendor's name, stored on each job ("heygen").
    var name: String { get }
    /// Starts a render and answers the vendor's video id. `reference` is our job's key, sent
    /// along (HeyGen's `callback_id`) so `find(reference:)` can recover a video whose id was lost
    /// to a crash between the vendor's answer and our commit.
    func start(_ render: RenderRequest) async throws -> String
    /// A video started earlier for `reference`, if the vendor has one.
    func find(reference: String) async throws -> String?
    /// Where the video stands.
    func status(videoID: String) async throws -> RenderStatus
    /// Downloads a finished video's (or thumbnail's) URL to a local file.
    func download(_ url: String, to path: String) async throws
}

/// What a render is asked for.
public struct RenderRequest: Sendable, Equatable {
    public var reference: String
    public var avatarID: String
    public var voiceID: String
    public var script: String
    public var width = 1080
    public var height = 1920

    public init(reference: String, avatarID: String, voiceID: String, script: String) {
        self.reference = reference
        self.avatarID = avatarID
        self.voiceID = voiceID
        self.script = script
    }
}

public enum RenderStatus: Sendable, Equatable {
    /// Queued or rendering at the vendor.
    case inProgress
    case completed(videoURL: String, thumbnailURL: String?)
    /// The vendor gave up on this video; `message` says why in its words.
    case failed(message: String)
}

/// Why a vendor call failed, sorted by what the worker should do about it.
public struct VendorError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Another attempt may succeed (connection, timeout, 5xx, rate limit): retry with backoff.
        case retryable
        /// The account is out of credit: retry, but slowly (an operator tops it up).
        case quota
        /// Nothing will change by itself (bad avatar or voice id, script too long, bad key).
        case permanent
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
