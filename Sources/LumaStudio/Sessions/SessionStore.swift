import Foundation
import NIOConcurrencyHelpers

/// A signed-in person, as the studio remembers them between requests.
public struct StudioSession: Sendable, Equatable {
    public enum Role: String, Sendable { case admin, creator }

    public let id: String
    public let userID: Int64
    public let email: String
    public let name: String
    public let role: Role
    /// The creator profile a creator acts as.
    public let creatorID: Int64?
    /// Every form carries it; a POST without it is refused.
    public let csrfToken: String
    var lastSeen: Date
    /// A message for the next page (an action's refusal), with the form field it names.
    var flash: Flash?

    public struct Flash: Sendable, Equatable {
        public let message: String
        public let field: String
        public let success: Bool
        /// What the refused form held, so the page shows it again (never passwords).
        public var values: [String: String] = [:]
    }
}

/// Sessions in memory, keyed by an unguessable id held in an HttpOnly, SameSite=Strict cookie.
/// A session ends at sign-out or after `idleTimeout` without a request. Kept in the process
/// (the trade-off: a restart signs everyone out; one studio instance serves the team) so that
/// sign-out really ends a session, which a signed cookie alone cannot.
public final class SessionStore: Sendable {
    private let sessions = NIOLockedValueBox<[String: StudioSession]>([:])
    public let idleTimeout: TimeInterval
    let now: @Sendable () -> Date

    public init(idleTimeout: TimeInterval = 2 * 3600, now: @escaping @Sendable () -> Date = { Date() }) {
        self.idleTimeout = idleTimeout
        self.now = now
    }

    public func create(userID: Int64, email: String, name: String, role: StudioSession.Role, creatorID: Int64?) -> StudioSession {
        let session = StudioSession(id: Self.randomToken(), userID: userID, email: email, name: name, role: role,
                                    creatorID: creatorID, csrfToken: Self.randomToken(), lastSeen: now(), flash: nil)
        sessions.withLockedValue { sessions in
            let cutoff = now().addingTimeInterval(-idleTimeout)
            sessions = sessions.filter { $0.value.lastSeen > cutoff }     // forget the expired
            sessions[session.id] = session
        }
        return session
    }

    public enum Lookup: Sendable, Equatable {
        case active(StudioSession)
        case expired
        case none
    }

    /// The session for a cookie value; using it keeps it alive.
    public func lookup(_ id: String?) -> Lookup {
        guard let id, !id.isEmpty else { return .none }
        let time = now()
        return sessions.withLockedValue { sessions in
            guard var session = sessions[id] else { return .none }
            guard time.timeIntervalSince(session.lastSeen) < idleTimeout else {
                sessions[id] = nil
                return .expired
            }
            session.lastSeen = time
            sessions[id] = session
            return .active(session)
        }
    }

    public func end(_ id: String) {
        _ = sessions.withLockedValue { $0.removeValue(forKey: id) }
    }

    func setFlash(_ id: String, _ flash: StudioSession.Flash?) {
        sessions.withLockedValue { $0[id]?.flash = flash }
    }

    /// The flash message, shown once.
    func takeFlash(_ id: String) -> StudioSession.Flash? {
        sessions.withLockedValue { sessions in
            defer { sessions[id]?.flash = nil }
            return sessions[id]?.flash
        }
    }

    /// 32 random bytes (the system's CSPRNG), base64url.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Compares without leaking where the first difference is.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
