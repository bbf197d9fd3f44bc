import Foundation
import LumaRPC

/// Verifies the bearer token of every call and applies the access policy:
/// no/expired/forged token -> UNAUTHENTICATED; valid token, wrong role -> PERMISSION_DENIED.
/// The caller's principal is available to handlers as `Principal.current`. Tokens are never
/// logged: errors name what is wrong with a token, not the token.
public struct AuthServerInterceptor: RPCServerInterceptor {
    let signer: TokenSigner
    let policy: AccessPolicy

    public init(signer: TokenSigner, policy: AccessPolicy) {
        self.signer = signer
        self.policy = policy
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
        let principal = try signer.verify(String(header.dropFirst("Bearer ".count)))
        guard rule.allows(principal.role) else {
            throw RPCError(.permissionDenied, "a \(principal.role.rawValue) token may not call \(context.method.fullName)")
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
        case minted(TokenSigner, Principal, TimeInterval)
    }

    let source: Source

    public init(token: String) {
        source = .fixed(token)
    }

    public init(signer: TokenSigner, principal: Principal, ttl: TimeInterval = 300) {
        source = .minted(signer, principal, ttl)
    }

    public func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
        var request = request
        switch source {
        case .fixed(let token): request.metadata[RPCMetadataKey.authorization] = "Bearer " + token
        case .minted(let signer, let principal, let ttl):
            request.metadata[RPCMetadataKey.authorization] = "Bearer " + signer.mint(principal, ttl: ttl)
        }
        return try await next(request)
    }
}
