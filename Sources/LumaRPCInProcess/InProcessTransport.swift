import Foundation
import Logging
import LumaRPC
import NIOConcurrencyHelpers
import NIOCore

/// Servers and clients in one process, with no socket: a call goes through the same router,
/// interceptors (authentication included), deadlines, cancellation and status mapping as over
/// TCP, and its messages are serialized exactly as on the wire, so a test of domain behaviour
/// over it tests what a remote client sees, minus the framing (which LumaRPCNIO's own tests
/// cover).
///
///     let network = InProcessNetwork()
///     let server = RPCServer(transport: network.server(at: verses), services: [...])
///     try await server.start()
///     let client = RPCClient(endpoints: [verses], transport: network.client)
///
/// Endpoints are only names here: several servers at several endpoints, and clients with
/// endpoint lists, behave as they would with instances on a network.
public final class InProcessNetwork: Sendable {
    private let servers = NIOLockedValueBox<[RPCEndpoint: InProcessServerTransport]>([:])

    public init() {}

    /// A transport that serves at `endpoint` once its server starts.
    public func server(at endpoint: RPCEndpoint) -> InProcessServerTransport {
        InProcessServerTransport(network: self, endpoint: endpoint)
    }

    /// The transport clients use to reach this network's servers.
    public var client: some RPCClientTransport { InProcessClientTransport(network: self) }

    func register(_ server: InProcessServerTransport, at endpoint: RPCEndpoint) throws {
        try servers.withLockedValue { servers in
            guard servers[endpoint] == nil else {
                throw RPCError.unavailable("an in-process server already listens at \(endpoint)")
            }
            servers[endpoint] = server
        }
    }

    func unregister(_ endpoint: RPCEndpoint) {
        servers.withLockedValue { _ = $0.removeValue(forKey: endpoint) }
    }

    func server(_ endpoint: RPCEndpoint) -> InProcessServerTransport? {
        servers.withLockedValue { $0[endpoint] }
    }
}

/// The server side: runs each call on its own task, enforces its deadline, and drains.
public final class InProcessServerTransport: RPCServerTransport {
    let network: InProcessNetwork
    let endpoint: RPCEndpoint

    private struct State {
        var router: RPCRouter?
        var logger = Logger(label: "luma.rpc.in-process")
        var draining = false
        var nextCallID: UInt64 = 1
        var inFlight: [UInt64: Task<Data, any Error>] = [:]
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    init(network: InProcessNetwork, endpoint: RPCEndpoint) {
        self.network = network
        self.endpoint = endpoint
    }

    public func listen(router: RPCRouter, logger: Logger) async throws -> RPCListeningAddress {
        state.withLockedValue {
            $0.router = router
            $0.logger = logger
        }
        try network.register(self, at: endpoint)
        return RPCListeningAddress(host: endpoint.host, port: endpoint.port)
    }

    public func drain() async {
        await withCheckedContinuation { continuation in
            let done = state.withLockedValue { state -> Bool in
                state.draining = true
                if state.inFlight.isEmpty { return true }
                state.drained.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        network.unregister(endpoint)
    }

    public func closeAll() {
        for task in state.withLockedValue({ Array($0.inFlight.values) }) { task.cancel() }
    }

    /// One call, as a connection would deliver it.
    func invoke(method: String, payload: Data, metadata: [String: String], deadline: NIODeadline?) async throws -> Data {
        let accepted: (RPCRouter, RPCRawHandler, UInt64, Logger)? = try state.withLockedValue { state in
            guard let router = state.router, !state.draining else {
                throw RPCCallNotRun(status: RPCError.unavailable("server \(endpoint) is shutting down; the call was not run"))
            }
            guard let handler = router.handlers[method] else { return nil }
            defer { state.nextCallID += 1 }
            return (router, handler, state.nextCallID, state.logger)
        }
        guard let (router, handler, callID, logger) = accepted else {
            throw RPCError(.unimplemented, "unknown method '\(method.prefix(200))'", field: "method")
        }
        let context = RPCServerContext(
            method: handler.descriptor, callID: callID, metadata: metadata, deadline: deadline, peer: "in-process", logger: logger)
        let scope = RPCCallScope(deadline: deadline, traceID: context.traceID)
        // Detached: the handler must not inherit the caller's task-locals (its call scope, its
        // authenticated principal), as it would not across a socket.
        let task = Task.detached { () async throws -> Data in
            try await Self.run(router, handler, payload: payload, context: context, scope: scope, deadline: deadline)
        }
        state.withLockedValue { $0.inFlight[callID] = task }
        defer { finished(callID) }
        do {
            let response = try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
            // A caller that gave up gets CANCELLED, as over a connection, even if the handler
            // still produced an answer.
            if Task.isCancelled { throw RPCError(.cancelled, "the call was cancelled") }
            return response
        } catch let error as RPCError {
            throw error
        } catch is CancellationError {
            throw RPCError(.cancelled, "the call was cancelled")
        } catch {
            logger.error("handler failed", metadata: ["error": "\(String(reflecting: error))", "call-id": "\(callID)"])
            throw RPCError(.internalError, "internal error (call id \(callID))")
        }
    }

    /// The handler, raced against the deadline: the first to finish wins, the other is cancelled.
    private static func run(_ router: RPCRouter, _ handler: RPCRawHandler, payload: Data, context: RPCServerContext,
                            scope: RPCCallScope, deadline: NIODeadline?) async throws -> Data {
        try await withThrowingTaskGroup(of: Data.self) { group in
            group.addTask {
                try await RPCCallScope.$current.withValue(scope) {
                    try await router.invoke(handler, payload: payload, context: context)
                }
            }
            if let deadline {
                group.addTask {
                    let remaining = deadline - .now()
                    if remaining > .zero { try await Task.sleep(nanoseconds: UInt64(remaining.nanoseconds)) }
                    throw RPCError(.deadlineExceeded, "deadline exceeded before the handler finished")
                }
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func finished(_ callID: UInt64) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight.removeValue(forKey: callID)
            guard state.draining, state.inFlight.isEmpty else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for waiter in waiters { waiter.resume() }
    }
}

struct InProcessClientTransport: RPCClientTransport {
    let network: InProcessNetwork

    func connect(to endpoint: RPCEndpoint) async throws -> any RPCClientConnection {
        guard network.server(endpoint) != nil else {
            throw RPCError.unavailable("cannot connect to \(endpoint): no in-process server there")
        }
        return InProcessClientConnection(network: network, endpoint: endpoint)
    }
}

/// A "connection" is just the endpoint's name: each call finds the server that listens there
/// now, so a stopped server's calls fail over like a closed connection's.
final class InProcessClientConnection: RPCClientConnection {
    let network: InProcessNetwork
    let endpoint: RPCEndpoint
    private let closed = NIOLockedValueBox(false)
    private let closeHandlers = NIOLockedValueBox<[@Sendable (RPCError?) -> Void]>([])

    init(network: InProcessNetwork, endpoint: RPCEndpoint) {
        self.network = network
        self.endpoint = endpoint
    }

    var isUsable: Bool { !closed.withLockedValue { $0 } && network.server(endpoint) != nil }

    func send(method: String, payload: Data, metadata: [String: String], deadline: NIODeadline?) async throws -> Data {
        guard !closed.withLockedValue({ $0 }), let server = network.server(endpoint) else {
            throw RPCCallNotRun(status: RPCError.unavailable("no in-process server at \(endpoint)"))
        }
        if let deadline, deadline <= .now() {
            throw RPCError(.deadlineExceeded, "deadline exceeded before the call was sent")
        }
        return try await server.invoke(method: method, payload: payload, metadata: metadata, deadline: deadline)
    }

    func whenClosed(_ body: @escaping @Sendable (RPCError?) -> Void) {
        let alreadyClosed = closed.withLockedValue { closed in
            if !closed { closeHandlers.withLockedValue { $0.append(body) } }
            return closed
        }
        if alreadyClosed { body(nil) }
    }

    func close() async {
        closed.withLockedValue { $0 = true }
        for handler in closeHandlers.withLockedValue({ handlers in defer { handlers = [] }; return handlers }) { handler(nil) }
    }
}
