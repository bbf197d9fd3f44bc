import Foundation
import GRDB

/// Password hashes and failed sign-ins. Hashing happens outside the transaction (bcrypt is
/// slow by design); these functions only read and write rows.
enum PasswordStore {
    /// Failures in a row before an email is locked, and how the lock grows.
    static let freeFailures = 5
    static let firstLock: TimeInterval = 30
    static let longestLock: TimeInterval = 15 * 60

    static func setHash(_ db: Database, user: Int64, hash: String) throws -> Bool {
        try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [hash, user])
        return db.changesCount > 0
    }

    /// The user, their hash and creator id for an email (nil if no such user).
    static func credentials(_ db: Database, email: String) throws -> (user: UserRecord, hash: String?, creatorID: Int64?)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ? COLLATE NOCASE", arguments: [email]) else { return nil }
        let user = UserRecord(row: row)
        let creator = try Int64.fetchOne(db, sql: "SELECT id FROM luma_short_creators WHERE user_id = ?", arguments: [user.id])
        return (user, row["password_hash"], creator)
    }

    /// Seconds the email stays locked, or nil if it may try now.
    static func lockRemaining(_ db: Database, email: String, now: Date) throws -> TimeInterval? {
        guard let until = try String.fetchOne(db, sql: "SELECT locked_until FROM sign_in_failures WHERE email = ?", arguments: [email.lowercased()]),
              let date = ISO8601DateFormatter().date(from: until), date > now else { return nil }
        return date.timeIntervalSince(now)
    }

    /// Counts a failure; from the fifth in a row the email is locked for 30 s, doubling each
    /// time, at most 15 min. Returns the lock in seconds (0 if none).
    static func recordFailure(_ db: Database, email: String, now: Date) throws -> TimeInterval {
        let key = email.lowercased()
        let failures = (try Int.fetchOne(db, sql: "SELECT failures FROM sign_in_failures WHERE email = ?", arguments: [key]) ?? 0) + 1
        let lock = failures < freeFailures ? 0 : min(longestLock, firstLock * pow(2, Double(failures - freeFailures)))
        let until = lock > 0 ? ISO8601DateFormatter().string(from: now.addingTimeInterval(lock)) : nil
        try db.execute(sql: """
            INSERT INTO sign_in_failures (email, failures, locked_until) VALUES (?, ?, ?)
            ON CONFLICT (email) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until
            """, arguments: [key, failures, until])
        return lock
    }

    static func clearFailures(_ db: Database, email: String) throws {
        try db.execute(sql: "DELETE FROM sign_in_failures WHERE email = ?", arguments: [email.lowercased()])
    }
}
