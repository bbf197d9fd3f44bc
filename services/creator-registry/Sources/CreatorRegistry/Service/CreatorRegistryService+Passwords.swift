import CreatorsAPI
import Foundation
import LumaRPC
import LumaValues

/// Users' passwords, for the studio's sign-in, hashed and checked by the `PasswordHasher` the
/// service was given (bcrypt in the executable: CreatorRegistryAdapters).
extension CreatorRegistryService {

    public func setPassword(_ request: Luma_Creators_V1_SetPasswordRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_SetPasswordResponse {
        let id = try Validate.id(request.userID, field: "user_id")
        let hash = try await passwords.hash(try Self.password(request.password))
        guard try await database.measured.write({ try PasswordStore.setHash($0, user: id, hash: hash) }) else {
            throw RPCError.notFound("user \(id) does not exist", field: "user_id")
        }
        context.logger.info("password set", metadata: ["user_id": "\(id)"])
        return .init()
    }

    public func verifyPassword(_ request: Luma_Creators_V1_VerifyPasswordRequest, context: RPCServerContext) async throws -> Luma_Creators_V1_VerifyPasswordResponse {
        let email = request.email.trimmingCharacters(in: .whitespaces)
        guard !email.isEmpty, email.count <= 254 else { throw RPCError.invalidArgument("email is required", field: "email") }
        guard !request.password.isEmpty else { throw RPCError.invalidArgument("password is required", field: "password") }
        let now = Date()
        let found = try await database.measured.read { db -> (locked: TimeInterval?, credentials: (user: UserRecord, hash: String?, creatorID: Int64?)?) in
            (try PasswordStore.lockRemaining(db, email: email, now: now), try PasswordStore.credentials(db, email: email))
        }
        if let locked = found.locked {
            throw Self.tooMany(locked)
        }
        let password = request.password
        // Compared against the decoy when the email is unknown, so the answer takes as long either way.
        let hash = found.credentials?.hash ?? passwords.decoyHash
        let matches = try await passwords.verify(password, hash: hash)
        guard matches, let credentials = found.credentials, credentials.hash != nil else {
            let lock = try await database.measured.write { try PasswordStore.recordFailure($0, email: email, now: now) }
            context.logger.notice("sign-in refused", metadata: ["email": "\(email.prefix(64))", "locked_seconds": "\(Int(lock))"])
            if lock > 0 { throw Self.tooMany(lock) }
            throw RPCError(.unauthenticated, "the email or the password is wrong", field: "password")
        }
        try await database.measured.write { try PasswordStore.clearFailures($0, email: email) }
        return .with {
            $0.user = Self.message(credentials.user)
            $0.creatorID = credentials.creatorID ?? 0
        }
    }

    static func tooMany(_ seconds: TimeInterval) -> RPCError {
        RPCError(.resourceExhausted, "too many failed sign-ins for this email; try again in \(Int(seconds.rounded(.up))) s", field: "password")
    }

    static func password(_ text: String) throws -> String {
        let bytes = text.utf8.count
        guard bytes >= 8 else { throw RPCError.invalidArgument("a password needs at least 8 characters", field: "password") }
        guard bytes <= 72 else {
            throw RPCError.invalidArgument("a password is at most 72 bytes of UTF-8 (bcrypt's limit), not \(bytes)", field: "password")
        }
        return text
    }
}
