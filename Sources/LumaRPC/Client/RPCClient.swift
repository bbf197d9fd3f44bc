import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SwiftProtobuf

/// A client for one logical service that may run as several instances.
///
/// Calls are balanced round-robin across healthy endpoints, from a random first one; an
/// endpoint whose connect fails, or that stops answering keepalive pings, is ejected and
/// re-probed in the background. A call to a method declared idempotent (or with no
/// side effects) that fails with UNAVAILABLE is retried on another endpoint while its deadline
/// allows; other calls are never retried. Inside a server handler, calls inherit the handler's
/// deadline and trace id.
public final class RPCClient: Sendable {
    public struct Configuration: Sendable {
        public var limits = RPCConnectionLimits()
        /// For the TCP connect and, separately, for the server's preface after it.
        public var connectTimeout: TimeAmount = .seconds(2)
        /// How a hung server is detected while calls wait on it (see `RPCKeepalive`).
        public var keepalive = RPCKeepalive()
        /// Deadline for calls that set none and are not inside a handler with one.
        public var defaultTimeout: TimeAmount = .seconds(30)
        public var backoff = RPCBackoff()
        /// Attempts per call, first try included, for retryable methods.
        public var maxAttempts = 3
        public var interceptors: [any RPCClientInterceptor] = []
        /// Start the round-robin at a random endpoint (the default), or at the first one
        /// (tests that need to know where the first call goes).
        public var startAtRandomEndpoint = true

        public init() {}
    }

    public let endpoints: [RPCEndpoint]
    public let configuration: Configuration
    private let channels: [EndpointChannel]
    /// `rotations[i]` is every endpoint index starting at `i`: built once, so picking the
    /// order for a call allocates nothing while every endpoint is healthy.
    private let rotations: [[Int]]
    /// Starts at a random endpoint, so that many short-lived clients (each lumactl run) do not
    /// all pile onto the first instance of the list.
    private let nextIndex: NIOLockedValueBox<Int>

    /// A client whose connections `transport` makes (LumaRPCNIO adds the usual TCP one).
    public init(
        endpoints: [RPCEndpoint],
        configuration: Configuration = Configuration(),
        transport: any RPCClientTransport,
        logger: Logger = Logger(label: "luma.rpc.client")
    ) {
        precondition(!endpoints.isEmpty, "an RPCClient needs at least one endpoint")
        self.endpoints = endpoints
        self.configuration = configuration
        self.channels = endpoints.map { EndpointChannel(endpoint: $0, settings: configuration, transport: transport, logger: logger) }
        self.rotations = endpoints.indices.map { start in endpoints.indices.map { (start + $0) % endpoints.count } }
        self.nextIndex = NIOLockedValueBox(configuration.startAtRandomEndpoint ? Int.random(in: 0..<endpoints.count) : 0)
    }

    /// A typed call; generated clients call this. Inlinable so that the message types are
    /// specialised in the caller's module instead of going through generic witness tables.
    @inlinable
    public func call<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: RPCCallOptions = RPCCallOptions()
    ) async throws -> Response {
        let bytes = try await call(method.descriptor, payload: try request.serializedData(), options: options)
        do {
            return try Response(serializedBytes: bytes)
        } catch {
            throw RPCError(.internalError, "response is not a valid \(method.descriptor.outputType): \(error)")
        }
    }

    /// An untyped call by descriptor (used by generic tools such as lumactl).
    public func call(_ method: RPCMethodDescriptor, payload: Data, options: RPCCallOptions = RPCCallOptions()) async throws -> Data {
        let scope = RPCCallScope.current
        let ownDeadline = NIODeadline.now() + (options.timeout ?? configuration.defaultTimeout)
        let deadline = scope?.deadline.map { min($0, ownDeadline) } ?? ownDeadline
        var metadata = options.metadata
        if metadata[RPCMetadataKey.traceID] == nil, let traceID = scope?.traceID, !traceID.isEmpty {
            metadata[RPCMetadataKey.traceID] = traceID
        }
        let request = RPCClientRequest(method: method, metadata: metadata, payload: payload)
        // Without interceptors, no chain closure to allocate.
        if configuration.interceptors.isEmpty { return try await attempt(request, deadline: deadline) }
        return try await Self.intercepted(configuration.interceptors[...], request) { request in
            try await self.attempt(request, deadline: deadline)
        }
    }

    private static func intercepted(
        _ chain: ArraySlice<any RPCClientInterceptor>, _ request: RPCClientRequest,
        _ last: @escaping @Sendable (RPCClientRequest) async throws -> Data
    ) async throws -> Data {
        guard let first = chain.first else { return try await last(request) }
        let rest = chain.dropFirst()
        return try await first.intercept(request: request) { request in
            try await intercepted(rest, request, last)
        }
    }

    /// Sends the call. An endpoint that cannot be connected to is skipped for the next one
    /// whatever the method: the request never left, so trying elsewhere cannot run it twice
    /// (gRPC's "transparent retry"); the same for a call the server's GoAway says it did not run. Once a request was sent, only idempotent methods are
    /// retried, only on UNAVAILABLE, at most `maxAttempts` sends, and only within the deadline.
    private func attempt(_ request: RPCClientRequest, deadline: NIODeadline) async throws -> Data {
        let retryable = request.method.idempotency.isRetryable
        let maxSends = retryable ? max(1, configuration.maxAttempts) : 1
        var sends = 0
        var lastError = RPCError.unavailable("no endpoint available")
        // Each endpoint once (healthy ones first); retryable calls may go round twice.
        let order = pickOrder()
        for index in repeatElement(order, count: retryable ? 2 : 1).joined() {
            guard sends < maxSends, .now() < deadline else { break }
            try Task.checkCancellation()
            let connection: any RPCClientConnection
            do {
                connection = try await channels[index].connection()
            } catch let error as RPCError {
                lastError = error
                continue
            }
            do {
                sends += 1
                return try await connection.send(
                    method: request.method.fullName, payload: request.payload,
                    metadata: request.metadata, deadline: deadline)
            } catch let notRun as RPCCallNotRun {
                // Never ran (the server's GoAway says so, or the connection was closing):
                // like a failed connect, it may go elsewhere whatever the method.
                sends -= 1
                lastError = notRun.status
            } catch let error as RPCError where error.code == .unavailable && retryable {
                lastError = error
            }
        }
        throw lastError
    }

    /// Round-robin: the next starting endpoint each call, healthy endpoints before ejected ones.
    private func pickOrder() -> [Int] {
        let start = nextIndex.withLockedValue { index in
            defer { index = (index + 1) % channels.count }
            return index
        }
        let order = rotations[start]
        if order.allSatisfy({ channels[$0].isHealthy }) { return order }
        return order.filter { channels[$0].isHealthy } + order.filter { !channels[$0].isHealthy }
    }

    /// Closes every connection and stops background probes.
    public func close() async {
        for channel in channels { await channel.close() }
    }
}
