import Foundation
import LumaRPC

/// Verifies the bearer token of every call and applies the access policy:
/// no/expired/forged token -> UNAUTHENTICATED; valid token, wrong role -> PERMISSION_DENIED.
/// The caller's principal is available to handlers as `Principal.current`. Tokens are never
/// logged: errors name what is wrong with a token, not the token.
public struct AuthServerInterceptor: RPCServerInterceptor {
    let signer: TokenSigner
    let policy: AccessPolicy
    /// Tokens verified before, until they expire (`VerifiedTokenCache`).
    let verified: VerifiedTokenCache
    let clock: @Sendable () -> Date

    public init(signer: TokenSigner, policy: AccessPolicy) {
        self.init(signer: signer, policy: policy, clock: { Date() })
    }

    init(signer: TokenSigner, policy: AccessPolicy, cacheCapacity: Int = 4096, clock: @escaping @Sendable () -> Date) {
        self.signer = signer
        self.policy = policy
        self.verified = VerifiedTokenCache(capacity: cacheCapacity)
        self.clock = clock
    }

    public func intercept(request: Data, context: RPCServerContext,
                          next: @Sendable (Data, RPCServerContext) async throws -> Data) async throws -> Data {
        guard let rule = policy.rule(for: context.method.fullName) else {
            throw RPCError(.permissionDenied, "\(context.method.fullName) declares no access rule")
        }
        if rule == .open { return try await next(request, context) }
        guard let header = context.metadata[RPCMetadataKey.authorization], header.hasPrefix("Bearer ") else {
            throw RPCError(.unauthenticated, "\(context.method.fullName) needs a bearer token (authorization metadata)")
        }
        let token = String(header.dropFirst("Bearer ".count))
        let now = clock()
        let seconds = Int64(now.timeIntervalSince1970)
        let principal: Principal
        if let known = verified.principal(for: token, now: seconds) {
            principal = known
        } else {
            let claims = try signer.verifiedClaims(token, now: now)
            verified.insert(token, principal: claims.principal, expires: claims.expires, now: seconds)
            principal = claims.principal
        }
        guard rule.allows(principal.role) else {
            throw RPCError(.permissionDenied, "a \(principal.role.rawValue) token may not call \(context.method.fullName)")
        }
        // Over mutual TLS the certificate says which service is calling; a service token is
        // honoured only on a connection whose certificate names that service, so a token taken
        // from one service cannot be replayed from another's connection. (Other roles' tokens
        // are people's and tools': the certificate admits the connection, the token decides.)
        if principal.role == .service, let certified = context.peerIdentity, certified != principal.subject {
            throw RPCError(.permissionDenied,
                           "a service token for '\(principal.subject)' arrived on a connection whose TLS certificate names '\(certified)'")
        }
        return try await Principal.$current.withValue(principal) {
            try await next(request, context)
        }
    }
}

/// Adds `authorization: Bearer <token>` to every call. With a signer it mints a fresh
/// short-lived token per call (how services call each other); with a fixed token it sends that.
public struct AuthClientInterceptor: RPCClientInterceptor {
    enum Source: Sendable {
        case fixed(String)
        case minted(TokenSigner, Principal, TimeInterval, MintedToken)
    }

    /// The token last minted and when: reused for half its lifetime, so a service's calls
    /// carry one token per couple of minutes (which the server's cache then knows) instead of
    /// one per call.
    final class MintedToken: @unchecked Sendable {
        private let lock = NSLock()
        private var current: (token: String, minted: Date)?

        func token(now: Date, ttl: TimeInterval, mint: () -> String) -> String {
            lock.lock()
            defer { lock.unlock() }
            if let current, now.timeIntervalSince(current.minted) < ttl / 2, now >= current.minted { return current.token }
            let token = mint()
            current = (token, now)
            return token
        }
    }

    let source: Source

    public init(token: String) {
        source = .fixed(token)
    }

    public init(signer: TokenSigner, principal: Principal, ttl: TimeInterval = 300) {
        source = .minted(signer, principal, ttl, MintedToken())
    }

    public func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
        var request = request
        switch source {
        case .fixed(let token): request.metadata[RPCMetadataKey.authorization] = "Bearer " + token
        case .minted(let signer, let principal, let ttl, let minted):
            let now = Date()
            request.metadata[RPCMetadataKey.authorization] = "Bearer " + minted.token(now: now, ttl: ttl) { signer.mint(principal, ttl: ttl, now: now) }
        }
        return try await next(request)
    }
}
