import Foundation

/// A hook around every call a server handles: authentication, logging and metrics go here.
/// Interceptors run in the order given to the server, outermost first; one may refuse a call
/// by throwing an `RPCError` without calling `next`.
public protocol RPCServerInterceptor: Sendable {
    func intercept(
        request: Data,
        context: RPCServerContext,
        next: @Sendable (Data, RPCServerContext) async throws -> Data
    ) async throws -> Data
}

/// A hook around every call a client makes: it may add metadata (an auth token), log, or
/// refuse the call.
public protocol RPCClientInterceptor: Sendable {
    func intercept(
        request: RPCClientRequest,
        next: @Sendable (RPCClientRequest) async throws -> Data
    ) async throws -> Data
}

/// A call as the client's interceptors see it.
public struct RPCClientRequest: Sendable {
    public let method: RPCMethodDescriptor
    public var metadata: [String: String]
    public var payload: Data
}
