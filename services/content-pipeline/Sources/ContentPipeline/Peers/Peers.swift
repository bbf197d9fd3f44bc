import CreatorsAPI
import LumaRPC
import OpsAPI
import VersesAPI

/// The verse-registry operations the pipeline needs. Over RPC in production.
public protocol VerseSource: Sendable {
    func categories() async throws -> [String]
    /// Claims the category's next verse unused in `language` (the item's; a verse is used once
    /// per language channel), with text in `translation`. `replacing`: the passages a
    /// regenerated item gives up (its held ones outside these are returned, a retry).
    func claimNextUnused(content: Int64, category: String, date: String, translation: String, language: String,
                         replacing: [String]) async throws -> ClaimedVerse
    /// Releases the item's ledger rows: all, or only those of `references`.
    func release(content: Int64, references: [String]) async throws
    func ledgerContentIDs() async throws -> [Int64]
    /// Whether the ledger holds each (item, reference) for that item in the item's language; at
    /// most 1000 at a time.
    func verifyClaims(_ claims: [(content: Int64, reference: String, language: String)]) async throws -> [Luma_Verses_V1_ClaimVerdict]
    /// Claims exactly `reference` for the item in its language (the integrity repair of a lost claim).
    func claim(reference: String, content: Int64, date: String, language: String) async throws
}

/// The passage verse-registry claimed for an item.
public struct ClaimedVerse: Sendable, Equatable {
    /// As shown in the item's language ("Juan 3:16").
    public let reference: String
    public let text: String
    /// The category it came from: the one asked for, or a fallback's (see `note`).
    public let category: String
    /// Why it came from another category; empty when it did not.
    public let note: String
    /// The editors' note on the passage in the item's language (its theme in a sentence);
    /// empty when they wrote none.
    public let passageNote: String

    public init(reference: String, text: String, category: String, note: String = "", passageNote: String = "") {
        self.reference = reference
        self.text = text
        self.category = category
        self.note = note
        self.passageNote = passageNote
    }

    public init(_ response: Luma_Verses_V1_ClaimNextUnusedResponse) {
        self.init(reference: response.displayReference.isEmpty ? response.reference : response.displayReference,
                  text: response.text, category: response.category, note: response.fallbackNote, passageNote: response.passageNote)
    }
}

/// The creator-registry operations the pipeline needs.
public protocol CreatorDirectory: Sendable {
    func check(_ id: Int64) async throws -> Luma_Creators_V1_Creator?
    func eligible(mode: ContentMode, language: String) async throws -> [Luma_Creators_V1_Creator]
    /// Every creator id, and creators whose user is gone.
    func integrity() async throws -> (creatorIDs: [Int64], missingUser: [Int64])
    func outboxStatus() async throws -> (pending: Int, failed: Int)
    /// A user's display name (for the history's actors); nil if there is no such user.
    func userName(_ userID: Int64) async throws -> String?
}

/// Calls that cannot reach a peer become UNAVAILABLE naming it, so the caller's write is
/// refused with a reason rather than a timeout.
func reaching<T>(_ peer: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as RPCError where [.unavailable, .deadlineExceeded].contains(error.code) {
        throw RPCError.unavailable("\(peer) is unreachable: \(error.message)", origin: error.origin.isEmpty ? peer : error.origin)
    }
}

/// `VerseSource` over verse-registry's generated client (or anything that stands in for it).
public struct RPCVerseSource: VerseSource {
    let client: any Luma_Verses_V1_VerseRegistryClientProtocol

    public init(client: RPCClient) {
        self.client = Luma_Verses_V1_VerseRegistryClient(client)
    }

    public init(_ client: any Luma_Verses_V1_VerseRegistryClientProtocol) {
        self.client = client
    }

    public func categories() async throws -> [String] {
        try await reaching("verse-registry") { try await client.listCategories(.init()).categories.map(\.name) }
    }

    public func claimNextUnused(content: Int64, category: String, date: String, translation: String, language: String,
                                replacing: [String]) async throws -> ClaimedVerse {
        try await reaching("verse-registry") {
            let claim = try await client.claimNextUnused(.with {
                $0.dailyContentID = content
                $0.category = category
                $0.usedDate = date
                $0.translation = translation
                $0.language = language
                $0.replacing = replacing
            })
            return ClaimedVerse(claim)
        }
    }

    public func release(content: Int64, references: [String]) async throws {
        _ = try await reaching("verse-registry") {
            try await client.releaseForContent(.with {
                $0.dailyContentID = content
                $0.references = references
            }, options: .init(timeout: OutboxDeliverer.handlerTimeout))
        }
    }

    public func ledgerContentIDs() async throws -> [Int64] {
        try await reaching("verse-registry") { try await client.listContentIds(.init()).dailyContentIds }
    }

    public func verifyClaims(_ claims: [(content: Int64, reference: String, language: String)]) async throws -> [Luma_Verses_V1_ClaimVerdict] {
        try await reaching("verse-registry") {
            try await client.verifyClaims(.with {
                $0.claims = claims.map { claim in
                    .with { $0.dailyContentID = claim.content; $0.reference = claim.reference; $0.language = claim.language }
                }
            }).verdicts
        }
    }

    public func claim(reference: String, content: Int64, date: String, language: String) async throws {
        _ = try await reaching("verse-registry") {
            try await client.claimVerse(.with {
                $0.reference = reference; $0.dailyContentID = content; $0.usedDate = date; $0.language = language
            })
        }
    }
}

/// `CreatorDirectory` over creator-registry's generated clients (or stand-ins).
public struct RPCCreatorDirectory: CreatorDirectory {
    let client: any Luma_Creators_V1_CreatorRegistryClientProtocol
    let ops: any Luma_Ops_V1_OperationsClientProtocol

    public init(client: RPCClient) {
        self.client = Luma_Creators_V1_CreatorRegistryClient(client)
        self.ops = Luma_Ops_V1_OperationsClient(client)
    }

    public init(_ client: any Luma_Creators_V1_CreatorRegistryClientProtocol, ops: any Luma_Ops_V1_OperationsClientProtocol) {
        self.client = client
        self.ops = ops
    }

    public func check(_ id: Int64) async throws -> Luma_Creators_V1_Creator? {
        try await reaching("creator-registry") {
            let answer = try await client.checkCreator(.with { $0.id = id })
            return answer.exists ? answer.creator : nil
        }
    }

    public func eligible(mode: ContentMode, language: String) async throws -> [Luma_Creators_V1_Creator] {
        try await reaching("creator-registry") {
            try await client.findEligible(.with {
                $0.mode = mode == .bible ? .bible : .positivity
                $0.language = language
            }).creators
        }
    }

    public func integrity() async throws -> (creatorIDs: [Int64], missingUser: [Int64]) {
        try await reaching("creator-registry") {
            let report = try await client.checkIntegrity(.init())
            return (report.creatorIds, report.creatorsWithMissingUser)
        }
    }

    public func outboxStatus() async throws -> (pending: Int, failed: Int) {
        try await reaching("creator-registry") {
            let status = try await ops.outboxStatus(.init())
            return (Int(status.pending), Int(status.failed))
        }
    }

    public func userName(_ userID: Int64) async throws -> String? {
        try await reaching("creator-registry") {
            do {
                return try await client.getUser(.with { $0.id = userID }, options: .init(timeout: .seconds(2))).displayName
            } catch let error as RPCError where error.code == .notFound {
                return nil
            }
        }
    }
}

import LumaServiceKit
