import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Keeps one endpoint connected: connects lazily on first use, reconnects after the
/// connection drops, and after a failed connect backs off (jittered, exponential) while a
/// background probe retries. While backing off the endpoint is "ejected": the balancer skips it.
final class EndpointChannel: Sendable {
    let endpoint: RPCEndpoint
    private let settings: RPCClient.Configuration
    private let transport: any RPCClientTransport
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var connection: (any RPCClientConnection)?
        var connecting: Task<any RPCClientConnection, any Error>?
        var failures = 0
        var ejectedUntil: NIODeadline?
        var lastError: RPCError?
        var probe: Task<Void, Never>?
        var closed = false
    }

    init(endpoint: RPCEndpoint, settings: RPCClient.Configuration, transport: any RPCClientTransport, logger: Logger) {
        self.endpoint = endpoint
        self.settings = settings
        self.transport = transport
        self.logger = logger
    }

    /// False while backing off after a failed connect.
    var isHealthy: Bool {
        state.withLockedValue { state in
            guard let until = state.ejectedUntil else { return true }
            return until <= .now()
        }
    }

    var lastError: RPCError? { state.withLockedValue { $0.lastError } }

    /// A usable connection, connecting if needed. Throws UNAVAILABLE when it cannot.
    func connection() async throws -> any RPCClientConnection {
        enum Next {
            case ready(any RPCClientConnection)
            case wait(Task<any RPCClientConnection, any Error>)
        }
        // The hot path takes a lock and returns: no task, no suspension.
        let next: Next = try state.withLockedValue { state in
            if state.closed { throw RPCError.unavailable("client is closed") }
            if let connection = state.connection, connection.isUsable { return .ready(connection) }
            if let connecting = state.connecting { return .wait(connecting) }
            let connecting = Task { try await self.connect() }
            state.connecting = connecting
            return .wait(connecting)
        }
        switch next {
        case .ready(let connection): return connection
        case .wait(let task): return try await task.value
        }
    }

    private func connect() async throws -> any RPCClientConnection {
        do {
            let connection = try await transport.connect(to: endpoint)
            state.withLockedValue { state in
                state.connection = connection
                state.connecting = nil
                state.failures = 0
                state.ejectedUntil = nil
                state.lastError = nil
            }
            // A server that stops answering is ejected like one that refuses connections.
            connection.whenClosed { unresponsive in
                if let unresponsive { self.eject(after: unresponsive) }
            }
            return connection
        } catch {
            let rpcError = error as? RPCError ?? RPCError.unavailable("cannot connect to \(endpoint): \(error)")
            state.withLockedValue { state in
                state.connecting = nil
                state.connection = nil
            }
            eject(after: rpcError)
            throw rpcError
        }
    }

    /// Marks the endpoint unhealthy for a backoff delay (the balancer skips it) and schedules
    /// a probe that reconnects in the background.
    private func eject(after error: RPCError) {
        let delay: TimeAmount? = state.withLockedValue { state in
            if state.closed { return nil }
            state.failures += 1
            state.lastError = error
            let delay = settings.backoff.delay(afterFailures: state.failures)
            state.ejectedUntil = .now() + delay
            return delay
        }
        guard let delay else { return }
        logger.debug("endpoint ejected", metadata: [
            "endpoint": "\(endpoint)", "retry-in-ms": "\(delay.nanoseconds / 1_000_000)", "reason": "\(error.message)"])
        scheduleProbe(after: delay)
    }

    /// Re-probes an ejected endpoint in the background so it rejoins without a caller paying
    /// for the connect.
    private func scheduleProbe(after delay: TimeAmount) {
        let probe = Task {
            try? await Task.sleep(nanoseconds: UInt64(max(0, delay.nanoseconds)))
            guard !Task.isCancelled else { return }
            _ = try? await self.connection()
        }
        let previous = state.withLockedValue { state in
            defer { state.probe = probe }
            return state.probe
        }
        previous?.cancel()
    }

    func close() async {
        let (connection, probe) = state.withLockedValue { state in
            state.closed = true
            return (state.connection, state.probe)
        }
        probe?.cancel()
        await connection?.close()
    }
}
