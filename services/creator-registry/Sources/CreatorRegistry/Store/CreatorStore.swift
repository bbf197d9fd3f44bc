import Foundation
import GRDB
import LumaRPC
import LumaValues
import LumaServiceKit

public struct UserRecord: Sendable, Equatable, FetchableRecord {
    public let id: Int64
    public let email: String
    public let displayName: String
    public let role: String
    public let createdAt: String
    public let hasPassword: Bool

    public init(row: Row) {
        id = row["id"]
        email = row["email"]
        displayName = row["display_name"]
        role = row["role"]
        createdAt = row["created_at"]
        hasPassword = (row["password_hash"] as String?) != nil
    }
}

/// One row of luma_short_creators; a row whose languages are not a JSON array of strings is
/// refused (`StoredRowError`), never read as "no languages".
public struct CreatorRecord: Sendable, Equatable, FetchableRecord {
    public var id: Int64
    public var userID: Int64
    public var displayName: String
    public var languages: [String]
    public var monthlyCapacity: Int
    public var canBible: Bool
    public var canPositivity: Bool
    public var isAI: Bool
    public var heygenAvatarID: String?
    /// The vendor voice an AI creator speaks with; nil = the pipeline's voice for the language.
    public var avatarVoiceID: String?
    public var active: Bool
    public var createdAt: String
    public var updatedAt: String

    public init(row: Row) throws {
        id = row["id"]
        userID = row["user_id"]
        displayName = row["display_name"]
        let stored: String = row["languages"]
        guard let languages = try? JSONDecoder().decode([String].self, from: Data(stored.utf8)) else {
            throw StoredRowError(table: "luma_short_creators", id: id, problem: "languages '\(stored.prefix(40))' is not a JSON array of strings")
        }
        self.languages = languages
        monthlyCapacity = row["monthly_capacity"]
        canBible = row["can_bible"]
        canPositivity = row["can_positivity"]
        isAI = row["is_ai"]
        heygenAvatarID = row["heygen_avatar_id"]
        avatarVoiceID = row["avatar_voice_id"]
        active = row["active"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }

    var languagesJSON: String {
        String(decoding: try! JSONEncoder().encode(languages), as: UTF8.self)
    }
}

/// Filters for listing creators; nil means "any".
public struct CreatorFilter: Sendable {
    public var active: Bool?
    public var canBible: Bool?
    public var canPositivity: Bool?
    public var language: String?
    public var isAI: Bool?
}

/// Users and creators in SQL. Callers validate; the schema's CHECKs and FKs back them up.
enum CreatorStore {
    static func user(_ db: Database, id: Int64) throws -> UserRecord? {
        try UserRecord.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id])
    }

    static func insertUser(_ db: Database, email: String, displayName: String, role: String) throws -> UserRecord {
        do {
            try db.execute(sql: "INSERT INTO users (email, display_name, role, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [email, displayName, role, Timestamp.now()])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            let owner = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE email = ?", arguments: [email]) ?? 0
            throw RPCError.alreadyExists("a user with email \(email) already exists (user \(owner))", field: "email")
        }
        return try user(db, id: db.lastInsertedRowID)!
    }

    static func users(_ db: Database, limit: Int, offset: Int) throws -> [UserRecord] {
        try UserRecord.fetchAll(db, sql: "SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?", arguments: [limit, offset])
    }

    /// RESTRICT: refused while any creator profile points at the user.
    static func deleteUser(_ db: Database, id: Int64) throws -> Bool {
        if let creator = try Row.fetchOne(db, sql: "SELECT id, display_name FROM luma_short_creators WHERE user_id = ? ORDER BY id LIMIT 1", arguments: [id]) {
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM luma_short_creators WHERE user_id = ?", arguments: [id])!
            let others = count > 1 ? " (and \(count - 1) more)" : ""
            throw RPCError.failedPrecondition(
                "user \(id) still has creator profile \(creator["id"] as Int64) (\(creator["display_name"] as String))\(others); delete the creator first",
                field: "id")
        }
        try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id])
        return db.changesCount > 0
    }

    static func creator(_ db: Database, id: Int64) throws -> CreatorRecord? {
        try CreatorRecord.fetchOne(db, sql: "SELECT * FROM luma_short_creators WHERE id = ?", arguments: [id])
    }

    static func insertCreator(_ db: Database, _ creator: CreatorRecord) throws -> CreatorRecord {
        guard try user(db, id: creator.userID) != nil else {
            throw RPCError.failedPrecondition("user \(creator.userID) does not exist", field: "user_id")
        }
        // One creator profile per user (checked in the insert's transaction).
        if let existing = try Row.fetchOne(db, sql: "SELECT id, display_name FROM luma_short_creators WHERE user_id = ? LIMIT 1",
                                           arguments: [creator.userID]) {
            throw RPCError.alreadyExists(
                "user \(creator.userID) already has creator profile \(existing["id"] as Int64) (\(existing["display_name"] as String)); a user has at most one",
                field: "user_id")
        }
        let now = Timestamp.now()
        try db.execute(sql: """
            INSERT INTO luma_short_creators (user_id, display_name, languages, monthly_capacity, can_bible, can_positivity,
                                             is_ai, heygen_avatar_id, avatar_voice_id, active, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [creator.userID, creator.displayName, creator.languagesJSON, creator.monthlyCapacity, creator.canBible,
                             creator.canPositivity, creator.isAI, creator.heygenAvatarID, creator.avatarVoiceID, creator.active, now, now])
        return try self.creator(db, id: db.lastInsertedRowID)!
    }

    static func updateCreator(_ db: Database, _ creator: CreatorRecord) throws -> CreatorRecord {
        try db.execute(sql: """
            UPDATE luma_short_creators SET display_name = ?, languages = ?, monthly_capacity = ?, can_bible = ?,
                can_positivity = ?, is_ai = ?, heygen_avatar_id = ?, avatar_voice_id = ?, active = ?, updated_at = ?
            WHERE id = ?
            """, arguments: [creator.displayName, creator.languagesJSON, creator.monthlyCapacity, creator.canBible, creator.canPositivity,
                             creator.isAI, creator.heygenAvatarID, creator.avatarVoiceID, creator.active, Timestamp.now(), creator.id])
        return try self.creator(db, id: creator.id)!
    }

    /// The list and eligibility query. The equality terms on (active, can_bible, can_positivity)
    /// let SQLite use the composite index; an unconstrained middle column becomes IN (0, 1) so
    /// the index still applies to the column after it.
    static func creatorsQuery(_ filter: CreatorFilter) -> (sql: String, arguments: StatementArguments) {
        var terms: [String] = []
        var arguments: StatementArguments = []
        let indexed: [(String, Bool?)] = [("active", filter.active), ("can_bible", filter.canBible), ("can_positivity", filter.canPositivity)]
        if let last = indexed.lastIndex(where: { $0.1 != nil }) {
            for (column, value) in indexed[...last] {
                if let value {
                    terms.append("\(column) = ?")
                    arguments += [value]
                } else {
                    terms.append("\(column) IN (0, 1)")
                }
            }
        }
        if let isAI = filter.isAI {
            terms.append("is_ai = ?")
            arguments += [isAI]
        }
        if let language = filter.language {
            terms.append("EXISTS (SELECT 1 FROM json_each(languages) WHERE json_each.value = ?)")
            arguments += [language]
        }
        let condition = terms.isEmpty ? "" : "WHERE " + terms.joined(separator: " AND ")
        return ("SELECT * FROM luma_short_creators \(condition) ORDER BY id", arguments)
    }

    static func creators(_ db: Database, filter: CreatorFilter, limit: Int, offset: Int) throws -> [CreatorRecord] {
        let (sql, arguments) = creatorsQuery(filter)
        return try CreatorRecord.fetchAll(db, sql: sql + " LIMIT ? OFFSET ?", arguments: arguments + [limit, offset])
    }

    static func deleteCreator(_ db: Database, id: Int64) throws -> Bool {
        try db.execute(sql: "DELETE FROM luma_short_creators WHERE id = ?", arguments: [id])
        return db.changesCount > 0
    }

    static func creatorIDs(_ db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT id FROM luma_short_creators ORDER BY id")
    }

    /// Creators whose user row is gone: impossible with foreign keys on, so only planted ones.
    static func creatorsWithMissingUser(_ db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT c.id FROM luma_short_creators c LEFT JOIN users u ON u.id = c.user_id WHERE u.id IS NULL ORDER BY c.id
            """)
    }
}

extension CreatorRecord {
    init(id: Int64, userID: Int64, displayName: String, languages: [String], monthlyCapacity: Int, canBible: Bool,
         canPositivity: Bool, isAI: Bool, heygenAvatarID: String?, active: Bool, createdAt: String, updatedAt: String) {
        self.id = id
        self.userID = userID
        self.displayName = displayName
        self.languages = languages
        self.monthlyCapacity = monthlyCapacity
        self.canBible = canBible
        self.canPositivity = canPositivity
        self.isAI = isAI
        self.heygenAvatarID = heygenAvatarID
        self.avatarVoiceID = nil
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
