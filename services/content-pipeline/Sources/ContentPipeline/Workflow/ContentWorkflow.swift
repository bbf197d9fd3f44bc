import ContentAPI
import Foundation
import GRDB
import LumaAuth
import LumaRPC
import LumaServiceKit
import LumaValues

/// The content workflow: every move of an item (plan, generate, regenerate, assign, unassign,
/// submit, review, delete) and the facts derived from them (what a caller may do next,
/// whom an item may be assigned to). The RPC provider (`ContentPipelineService`) only checks
/// its request's fields and translates messages; this owns the rules, and is tested without
/// a socket.
///
/// Moves that touch another service (claiming a verse, checking a creator or a video) ask it
/// first, then write here in one transaction that compares and sets the item's status; what
/// the other service must undo afterwards goes through the outbox (docs/integrity.md).
public struct ContentWorkflow: Sendable {
    let database: DatabasePool
    let verses: any VerseSource
    let creators: any CreatorDirectory
    let media: any MediaLibrary
    let generator: any ScriptGenerator
    let themes: TemplateScriptGenerator
    let rendering: RenderingSetup
    /// Called after a commit that wrote to the outbox, to deliver at once.
    let outboxWritten: @Sendable () -> Void
    let pausePoints: PausePoints
    /// When approved items are published, per channel.
    let publication: PublicationCalendar

    public init(database: DatabasePool, verses: any VerseSource, creators: any CreatorDirectory, media: any MediaLibrary = NoMediaLibrary(),
                generator: any ScriptGenerator = TemplateScriptGenerator(), seed: UInt64 = 0, rendering: RenderingSetup = .none,
                publication: PublicationCalendar = PublicationCalendar(),
                pausePoints: PausePoints = .none, outboxWritten: @escaping @Sendable () -> Void = {}) {
        self.publication = publication
        self.database = database
        self.verses = verses
        self.creators = creators
        self.media = media
        self.generator = generator
        self.themes = TemplateScriptGenerator(seed: seed)
        self.rendering = rendering
        self.pausePoints = pausePoints
        self.outboxWritten = outboxWritten
    }

    /// Only a generated item is written again: once assigned, someone may be filming it.
    static let regenerable: Set<ContentStatus> = [.generated]

    /// A local move: check it is allowed from the current state (and, for a creator, that the
    /// item is theirs), run `check`, compare-and-set, and record it in the history, all in one
    /// transaction.
    func move(_ id: Int64, _ transition: ContentTransition, by actor: WorkflowActor, scope creator: Int64? = nil,
              set changes: [String: DatabaseValue], event: HistoryStore.Event? = nil, note: String? = nil,
              check: (@Sendable (Database, ContentRecord) throws -> Void)? = nil) async throws -> ContentRecord {
        try await database.measured.write { db -> ContentRecord in
            let item = try ContentStore.existing(db, id: id)
            if let creator, item.creatorID != creator {
                throw RPCError(.permissionDenied, "item \(id) is not assigned to creator \(creator)", field: "id")
            }
            try Self.require(transition, item)
            try check?(db, item)
            let moved = try ContentStore.transition(db, id: id, from: item.status, to: transition.to, set: changes)
            if let event { try HistoryStore.record(db, item: moved, event, by: actor, creator: event == .unassigned ? item.creatorID : nil, note: note) }
            return moved
        }
    }

    /// FAILED_PRECONDITION naming the item's status and what it allows, unless `transition`
    /// may start there.
    static func require(_ transition: ContentTransition, _ item: ContentRecord) throws {
        if let refusal = transition.refusal(item: item.id, from: item.status) {
            throw RPCError.failedPrecondition(refusal, field: "id")
        }
    }

    /// The actor with the person's name, as creator-registry has it now. A registry that does
    /// not answer costs the history a name, never the move: the subject and user id stay.
    func named(_ actor: WorkflowActor) async -> WorkflowActor {
        guard let user = actor.userID, actor.name.isEmpty else { return actor }
        var named = actor
        named.name = (try? await creators.userName(user)) ?? ""
        return named
    }

    // MARK: Facts

    /// The items as the API shows them to `caller`: with their newest render job and what the
    /// caller may do to each now.
    func views(_ db: Database, _ items: [ContentRecord], caller: Principal?) throws -> [Luma_Content_V1_ContentItem] {
        guard !items.isEmpty else { return [] }
        let latest = try RenderJobStore.latest(db, items: items.map(\.id))
        return items.map { item in
            var message = item.message
            if let job = latest[item.id] { message.render = job.message }
            let state = publication.state(of: item)
            if let state, let date = CalendarDate(item.postDate) {
                message.publication = state.rawValue
                message.publishedAt = Timestamp.rfc3339(publication.publishedAt(date, language: item.language))
            }
            message.actions = ContentAction.allowed(on: item, render: latest[item.id], publication: state, caller: caller).map(\.message)
            return message
        }
    }

    /// One item with its history (Get).
    func view(_ id: Int64, caller: Principal?) async throws -> Luma_Content_V1_ContentItem {
        let (item, message) = try await database.measured.read { db in
            let item = try ContentStore.existing(db, id: id)
            var message = try views(db, [item], caller: caller)[0]
            message.history = try HistoryStore.history(db, item: id)
            return (item, message)
        }
        try CreatorScope.requireOwn(item)
        return message
    }

    func views(_ items: [ContentRecord], caller: Principal?) async throws -> [Luma_Content_V1_ContentItem] {
        guard !items.isEmpty else { return [] }
        return try await database.measured.read { db in try views(db, items, caller: caller) }
    }
}
