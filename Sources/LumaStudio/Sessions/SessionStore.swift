import Foundation
import Hummingbird
import HummingbirdAuth

/// A signed-in person, as the studio remembers them between requests (the session's data in
/// hummingbird-auth's `SessionStorage`).
public struct StudioSession: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable { case admin, creator }

    /// The session's id: the cookie's value. Not part of the stored data (the storage keys it);
    /// filled in when the session is created or looked up.
    public internal(set) var id: String = ""
    public let userID: Int64
    public let email: String
    public let name: String
    public let role: Role
    /// The creator profile a creator acts as.
    public let creatorID: Int64?
    /// Every form carries it; a POST without it is refused.
    public let csrfToken: String
    /// A message for the next page (an action's outcome or refusal), with the form field it names.
    var flash: Flash?

    public struct Flash: Sendable, Equatable, Codable {
        public let message: String
        public let field: String
        public let success: Bool
        /// What the refused form held, so the page shows it again (never passwords).
        public var values: [String: String] = [:]
    }

    enum CodingKeys: String, CodingKey { case userID, email, name, role, creatorID, csrfToken, flash }
}

/// Sessions: hummingbird-auth's `SessionStorage` on Hummingbird's `MemoryPersistDriver`, keyed
/// by an unguessable id held in an HttpOnly, SameSite=Strict cookie. A session ends at sign-out
/// (removed from the storage) or after `idleTimeout` without a request (each request moves its
/// expiry on, `StudioAuthenticator`). Kept in the process (the trade-off: a restart signs
/// everyone out; one studio instance serves the team) so that sign-out really ends a session,
/// which a signed cookie alone cannot. The driver's clock is a parameter, so tests move time
/// instead of waiting for it.
public struct SessionStore: Sendable {
    let storage: SessionStorage<StudioSession>
    /// The driver, to run as a service: it drops expired sessions every few minutes.
    public let driver: any PersistDriver
    public let idleTimeout: Duration

    public init<C: Clock>(idleTimeout: Duration = .seconds(2 * 3600), clock: C, secureCookies: Bool = false) where C.Duration == Duration {
        let driver = MemoryPersistDriver(clock, configuration: .init(tidyFrequency: .seconds(300)))
        self.driver = driver
        self.idleTimeout = idleTimeout
        storage = SessionStorage(driver, configuration: .init(
            sessionCookieParameters: .init(name: Studio.cookieName, path: "/", secure: secureCookies, sameSite: .strict),
            keyPrefix: "studio."))
    }

    public init(idleTimeout: Duration = .seconds(2 * 3600), secureCookies: Bool = false) {
        self.init(idleTimeout: idleTimeout, clock: ContinuousClock(), secureCookies: secureCookies)
    }

    /// A new session (its id is fresh: a sign-in never reuses one).
    public func create(userID: Int64, email: String, name: String, role: StudioSession.Role,
                       creatorID: Int64?) async throws -> StudioSession {
        var session = StudioSession(userID: userID, email: email, name: name, role: role, creatorID: creatorID,
                                    csrfToken: Self.randomToken(), flash: nil)
        session.id = try await storage.save(session: session, expiresIn: idleTimeout).value
        return session
    }

    /// The request's session was used: it stays alive for another `idleTimeout` (the storage's
    /// expiry moves; the cookie, which has none, is not sent again).
    func touch(_ session: StudioSession, request: Request) async throws {
        try await storage.update(session: session, expiresIn: idleTimeout, request: request)
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
