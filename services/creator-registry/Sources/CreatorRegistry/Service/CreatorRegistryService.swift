import ContentAPI
import CreatorsAPI
import Foundation
import GRDB
import LumaRPC
import LumaValues
import LumaServiceKit

/// `luma.creators.v1.CreatorRegistry`.
public struct CreatorRegistryService: Luma_Creators_V1_CreatorRegistryProvider {
    let database: DatabasePool
    /// Called after a commit that wrote to the outbox, to deliver at once.
    let outboxWritten: @Sendable () -> Void
    /// Users' passwords (bcrypt in the executable and the tests).
    let passwords: any PasswordHasher

    public init(database: DatabasePool, passwords: any PasswordHasher, outboxWritten: @escaping @Sendable () -> Void = {}) {
        self.database = database
        self.passwords = passwords
        self.outboxWritten = outboxWritten
    }

    // MARK: Users

    public func createUser(_ request: Luma_Creators_V1_CreateUserRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_User {
        let email = try CreatorValidation.email(request.email)
        let name = try CreatorValidation.displayName(request.displayName)
        let role = try Self.role(request.role)
        let hash = request.password.isEmpty ? nil : try await passwords.hash(try Self.password(request.password))
        let user = try await database.measured.write { db in
            let user = try CreatorStore.insertUser(db, email: email, displayName: name, role: role)
            guard let hash else { return user }
            _ = try PasswordStore.setHash(db, user: user.id, hash: hash)
            return try CreatorStore.user(db, id: user.id)!
        }
        return Self.message(user)
    }

    public func getUser(_ request: Luma_Creators_V1_GetUserRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_User {
        let id = try Validate.id(request.id, field: "id")
        guard let user = try await database.measured.read({ try CreatorStore.user($0, id: id) }) else {
            throw RPCError.notFound("user \(id) does not exist", field: "id")
        }
        return Self.message(user)
    }

    public func listUsers(_ request: Luma_Creators_V1_ListUsersRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_ListUsersResponse {
        let size = try Validate.pageSize(request.pageSize)
        let offset = try Validate.pageOffset(request.pageToken)
        let users = try await database.measured.read { try CreatorStore.users($0, limit: size + 1, offset: offset) }
        return .with {
            $0.users = users.prefix(size).map(Self.message)
            if users.count > size { $0.nextPageToken = Validate.pageToken(offset: offset + size) }
        }
    }

    public func deleteUser(_ request: Luma_Creators_V1_DeleteUserRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_DeleteUserResponse {
        let id = try Validate.id(request.id, field: "id")
        let deleted = try await database.measured.write { try CreatorStore.deleteUser($0, id: id) }
        return .with { $0.deleted = deleted }
    }

    static func role(_ role: Luma_Creators_V1_Role) throws -> String {
        switch role {
        case .admin: return "admin"
        case .creator: return "creator"
        default: throw RPCError.invalidArgument("role must be ROLE_ADMIN or ROLE_CREATOR", field: "role")
        }
    }

    static func message(_ user: UserRecord) -> Luma_Creators_V1_User {
        .with {
            $0.id = user.id
            $0.email = user.email
            $0.displayName = user.displayName
            $0.role = user.role == "admin" ? .admin : .creator
            $0.createdAt = user.createdAt
            $0.passwordSet = user.hasPassword
        }
    }

    // MARK: Creators

    public func createCreator(_ request: Luma_Creators_V1_CreateCreatorRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_Creator {
        let userID = try Validate.id(request.userID, field: "user_id")
        var record = CreatorRecord.blank
        record.userID = userID
        record.displayName = try CreatorValidation.displayName(request.displayName)
        record.languages = try CreatorValidation.languages(request.languages)
        record.monthlyCapacity = try CreatorValidation.capacity(request.monthlyCapacity)
        record.canBible = request.canBible
        record.canPositivity = request.canPositivity
        try CreatorValidation.modes(canBible: record.canBible, canPositivity: record.canPositivity)
        record.isAI = request.isAi
        record.heygenAvatarID = try CreatorValidation.avatar(isAI: request.isAi, avatarID: request.heygenAvatarID)
        record.avatarVoiceID = try CreatorValidation.voice(isAI: request.isAi, voiceID: request.avatarVoiceID)
        record.active = !request.inactive
        let created = try await database.measured.write { [record] in try CreatorStore.insertCreator($0, record) }
        return Self.message(created)
    }

    public func getCreator(_ request: Luma_Creators_V1_GetCreatorRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_Creator {
        Self.message(try await existingCreator(request.id))
    }

    func existingCreator(_ rawID: Int64, field: String = "id") async throws -> CreatorRecord {
        let id = try Validate.id(rawID, field: field)
        guard let creator = try await database.measured.read({ try CreatorStore.creator($0, id: id) }) else {
            throw RPCError.notFound("creator \(id) does not exist", field: field)
        }
        return creator
    }

    static let updatableFields: Set<String> = [
        "display_name", "languages", "monthly_capacity", "can_bible", "can_positivity", "is_ai", "heygen_avatar_id", "active", "avatar_voice_id",
    ]

    /// Applies only the named fields, validating the merged result, in one transaction read
    /// and written together so a concurrent update of other fields is not clobbered.
    public func updateCreator(_ request: Luma_Creators_V1_UpdateCreatorRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_Creator {
        let id = try Validate.id(request.id, field: "id")
        guard !request.fields.isEmpty else {
            throw RPCError.invalidArgument("fields must name at least one field to update", field: "fields")
        }
        for field in request.fields where !Self.updatableFields.contains(field) {
            throw RPCError.invalidArgument(
                "cannot update '\(field.prefix(40))'; updatable: \(Self.updatableFields.sorted().joined(separator: ", "))", field: "fields")
        }
        let fields = Set(request.fields)
        // Validate the values sent before touching the database.
        let displayName = fields.contains("display_name") ? try CreatorValidation.displayName(request.displayName) : nil
        if fields.contains("languages") && request.languages.isEmpty {
            throw RPCError.invalidArgument("languages must name at least one language when updated", field: "languages")
        }
        let languages = fields.contains("languages") ? try CreatorValidation.languages(request.languages) : nil
        let capacity = fields.contains("monthly_capacity") ? try CreatorValidation.capacity(request.monthlyCapacity) : nil
        let updated = try await database.measured.write { db -> CreatorRecord in
            guard var creator = try CreatorStore.creator(db, id: id) else {
                throw RPCError.notFound("creator \(id) does not exist", field: "id")
            }
            if let displayName { creator.displayName = displayName }
            if let languages { creator.languages = languages }
            if let capacity { creator.monthlyCapacity = capacity }
            if fields.contains("can_bible") { creator.canBible = request.canBible }
            if fields.contains("can_positivity") { creator.canPositivity = request.canPositivity }
            if fields.contains("active") { creator.active = request.active }
            if fields.contains("is_ai") { creator.isAI = request.isAi }
            if fields.contains("heygen_avatar_id") || fields.contains("is_ai") {
                let avatar = fields.contains("heygen_avatar_id") ? request.heygenAvatarID : (creator.heygenAvatarID ?? "")
                creator.heygenAvatarID = try CreatorValidation.avatar(isAI: creator.isAI, avatarID: avatar)
            }
            if fields.contains("avatar_voice_id") || fields.contains("is_ai") {
                let voice = fields.contains("avatar_voice_id") ? request.avatarVoiceID : (creator.avatarVoiceID ?? "")
                creator.avatarVoiceID = try CreatorValidation.voice(isAI: creator.isAI, voiceID: creator.isAI ? voice : "")
            }
            try CreatorValidation.modes(canBible: creator.canBible, canPositivity: creator.canPositivity)
            return try CreatorStore.updateCreator(db, creator)
        }
        return Self.message(updated)
    }

    public func listCreators(_ request: Luma_Creators_V1_ListCreatorsRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_ListCreatorsResponse {
        var filter = CreatorFilter()
        filter.active = try Self.triState(request.active, field: "active")
        filter.isAI = try Self.triState(request.isAi, field: "is_ai")
        switch request.mode {
        case .bible: filter.canBible = true
        case .positivity: filter.canPositivity = true
        case .unspecified: break
        case .UNRECOGNIZED(let value): throw RPCError.invalidArgument("unknown mode \(value)", field: "mode")
        }
        if !request.language.isEmpty { filter.language = try CreatorValidation.languages([request.language])[0] }
        let size = try Validate.pageSize(request.pageSize)
        let offset = try Validate.pageOffset(request.pageToken)
        let creators = try await database.measured.read { [filter] in try CreatorStore.creators($0, filter: filter, limit: size + 1, offset: offset) }
        return .with {
            $0.creators = creators.prefix(size).map(Self.message)
            if creators.count > size { $0.nextPageToken = Validate.pageToken(offset: offset + size) }
        }
    }

    public func findEligible(_ request: Luma_Creators_V1_FindEligibleRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_ListCreatorsResponse {
        var filter = CreatorFilter()
        filter.active = true
        switch request.mode {
        case .bible: filter.canBible = true
        case .positivity: filter.canPositivity = true
        default: throw RPCError.invalidArgument("mode must be FILM_MODE_BIBLE or FILM_MODE_POSITIVITY", field: "mode")
        }
        filter.language = try CreatorValidation.languages([request.language.isEmpty ? "en" : request.language])[0]
        let creators = try await database.measured.read { [filter] in try CreatorStore.creators($0, filter: filter, limit: 10_000, offset: 0) }
        return .with { $0.creators = creators.map(Self.message) }
    }

    public func deactivateCreator(_ request: Luma_Creators_V1_DeactivateCreatorRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_Creator {
        try await updateCreator(.with {
            $0.id = request.id
            $0.fields = ["active"]
            $0.active = false
        }, context: context)
    }

    /// Deletes the profile and, in the same transaction, records the SET NULL effect for
    /// content-pipeline in the outbox; the deliverer sends it, however long the pipeline is down.
    public func deleteCreator(_ request: Luma_Creators_V1_DeleteCreatorRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_DeleteCreatorResponse {
        let id = try Validate.id(request.id, field: "id")
        let payload = try Luma_Content_V1_CreatorDeletedRequest.with { $0.creatorID = id }.serializedData()
        let deleted = try await database.measured.write { db -> Bool in
            guard try CreatorStore.deleteCreator(db, id: id) else { return false }
            try Outbox.enqueue(db, kind: CreatorRegistryOutbox.creatorDeleted, target: "creator \(id)", payload: payload)
            return true
        }
        if deleted {
            context.logger.info("creator deleted; SET NULL queued for content-pipeline", metadata: ["creator_id": "\(id)"])
            outboxWritten()
        }
        return .with { $0.deleted = deleted }
    }

    public func checkCreator(_ request: Luma_Creators_V1_CheckCreatorRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_CheckCreatorResponse {
        let id = try Validate.id(request.id, field: "id")
        let creator = try await database.measured.read { try CreatorStore.creator($0, id: id) }
        return .with {
            $0.exists = creator != nil
            if let creator { $0.creator = Self.message(creator) }
        }
    }

    public func checkIntegrity(_ request: Luma_Creators_V1_CreatorIntegrityRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_CreatorIntegrityResponse {
        let (orphans, ids) = try await database.measured.read { db in
            (try CreatorStore.creatorsWithMissingUser(db), try CreatorStore.creatorIDs(db))
        }
        return .with {
            $0.creatorsWithMissingUser = orphans
            $0.creatorIds = ids
        }
    }

    static func triState(_ value: UInt32, field: String) throws -> Bool? {
        switch value {
        case 0: return nil
        case 1: return true
        case 2: return false
        default: throw RPCError.invalidArgument("\(field) must be 0 (any), 1 (true) or 2 (false)", field: field)
        }
    }

    static func message(_ creator: CreatorRecord) -> Luma_Creators_V1_Creator {
        .with {
            $0.id = creator.id
            $0.userID = creator.userID
            $0.displayName = creator.displayName
            $0.languages = creator.languages
            $0.monthlyCapacity = UInt32(creator.monthlyCapacity)
            $0.canBible = creator.canBible
            $0.canPositivity = creator.canPositivity
            $0.isAi = creator.isAI
            $0.heygenAvatarID = creator.heygenAvatarID ?? ""
            $0.avatarVoiceID = creator.avatarVoiceID ?? ""
            $0.active = creator.active
            $0.createdAt = creator.createdAt
            $0.updatedAt = creator.updatedAt
        }
    }
}

extension CreatorRecord {
    static var blank: CreatorRecord {
        CreatorRecord(id: 0, userID: 0, displayName: "", languages: ["en"], monthlyCapacity: 0, canBible: false,
                      canPositivity: false, isAI: false, heygenAvatarID: nil, active: true, createdAt: "", updatedAt: "")
    }
}

/// What creator-registry's outbox delivers, and how.
public enum CreatorRegistryOutbox {
    public static let creatorDeleted = "content.creator_deleted"

    public static func handlers(pipeline: any CreatorDeletionReceiver) -> [String: OutboxDeliverer.Handler] {
        [creatorDeleted: { entry in
            let request = try Luma_Content_V1_CreatorDeletedRequest(serializedBytes: entry.payload)
            try await pipeline.creatorDeleted(request.creatorID)
        }]
    }
}
