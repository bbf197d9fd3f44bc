import Foundation
import Logging
import LumaRPC
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One multiplexed connection to one endpoint. Many calls may be in flight at once; responses
/// arrive in any order and are matched by correlation id. `RPCClient` manages these; use it
/// rather than this type directly.
public final class RPCConnection: RPCClientConnection, Sendable {
    public let endpoint: RPCEndpoint
    private let channel: any Channel
    private let pending: PendingCalls
    private let limits: RPCConnectionLimits
    private let draining: NIOLockedValueBox<Bool>
    /// Set when the keepalive gave up on the server: the endpoint should be ejected.
    private let unresponsive: NIOLockedValueBox<RPCError?>
    /// Writes handed to the loop but not yet written. The write that brings it to zero
    /// flushes, so a burst of calls shares one syscall and a lone call needs no extra task.
    private let queuedWrites = Atomic<Int>(0)

    /// True while the connection can take new calls (open and not told to go away).
    public var isUsable: Bool { channel.isActive && !draining.withLockedValue { $0 } }
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    /// Why the keepalive closed this connection, if it did.
    public var unresponsiveError: RPCError? { unresponsive.withLockedValue { $0 } }

    /// Over TLS: the certificate the server presented (its name and expiry), as verified.
    public let serverCertificate: RPCTLSContext.Presented?

    private init(endpoint: RPCEndpoint, channel: any Channel, pending: PendingCalls, limits: RPCConnectionLimits,
                 draining: NIOLockedValueBox<Bool>, unresponsive: NIOLockedValueBox<RPCError?>,
                 serverCertificate: RPCTLSContext.Presented?) {
        self.serverCertificate = serverCertificate
        self.endpoint = endpoint
        self.unresponsive = unresponsive
        self.channel = channel
        self.pending = pending
        self.limits = limits
        self.draining = draining
    }

    /// Connects, sends the preface and waits for the server's, all within `connectTimeout`: a
    /// stopped or wedged process still completes the TCP handshake (the kernel does it), but
    /// sends no preface, so it is refused here instead of swallowing calls. Failures are
    /// UNAVAILABLE naming the endpoint.
    public static func connect(
        to endpoint: RPCEndpoint, limits: RPCConnectionLimits = RPCConnectionLimits(),
        connectTimeout: TimeAmount = .seconds(2), keepalive: RPCKeepalive = RPCKeepalive(),
        tls: RPCTLSContext? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "luma.rpc.client")
    ) async throws -> RPCConnection {
        let pending = PendingCalls()
        let draining = NIOLockedValueBox(false)
        let unresponsive = NIOLockedValueBox<RPCError?>(nil)
        let prefaceReceived = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)
        let timedOut = NIOLockedValueBox(false)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            // The server's certificate must name the host dialled: a DNS name
                            // (also sent as SNI), or an IP address (checked against its IP entries).
                            let name = endpoint.host.isIPAddress ? nil : endpoint.host
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls.current, serverHostname: name))
                        }
                        let promise = channel.eventLoop.makePromise(of: Void.self)
                        prefaceReceived.withLockedValue { $0 = promise.futureResult }
                        try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(
                            maxFrameSize: limits.maxFrameSize, pending: pending, keepalive: keepalive,
                            prefaceReceived: promise, logger: logger,
                            onGoAway: { _ in draining.withLockedValue { $0 = true } },
                            onUnresponsive: { error in unresponsive.withLockedValue { $0 = error } }))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            throw RPCError.unavailable("cannot connect to \(endpoint): \(Self.reason(error))")
        }
        do {
            // The timer starts before the preface is written: over TLS the write completes only
            // after the handshake, which a stopped server never finishes.
            let timeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
                timedOut.withLockedValue { $0 = true }
                channel.close(promise: nil)
            }
            defer { timeout.cancel() }
            var preface = channel.allocator.buffer(capacity: ConnectionPreface.length)
            ConnectionPreface.write(into: &preface)
            try await channel.writeAndFlush(preface)
            let serverPreface = prefaceReceived.withLockedValue { $0 }!
            try await serverPreface.get()
        } catch {
            try? await channel.close()
            // The preface write fails on a channel the TLS handshake closed: the handshake's
            // error (kept by the preface future) says why, not "I/O on closed channel".
            var cause = error
            if error is ChannelError, let preface = prefaceReceived.withLockedValue({ $0 }) {
                do { try await preface.get() } catch { cause = error }
            }
            throw prefaceFailure(cause, endpoint: endpoint, tls: tls != nil, timedOut: timedOut.withLockedValue { $0 },
                                 connectTimeout: connectTimeout)
        }
        // The preface came after the handshake, so the server's certificate is known by now.
        let certificate = tls == nil ? nil : (try? await channel.nioSSL_peerCertificate().get()).flatMap { $0 }.flatMap(RPCTLSContext.Presented.init)
        return RPCConnection(endpoint: endpoint, channel: channel, pending: pending, limits: limits, draining: draining,
                             unresponsive: unresponsive, serverCertificate: certificate)
    }

    /// Sends one call and awaits its response payload. Throws `RPCError`.
    public func call(method: String, payload: Data, metadata: [String: String], deadline: NIODeadline?) async throws -> Data {
        do {
            return try await callOrNotRun(method: method, payload: payload, metadata: metadata, deadline: deadline)
        } catch let notRun as RPCCallNotRun {
            throw notRun.status
        }
    }

    /// `call`, but a call the server certainly did not run throws `RPCCallNotRun`, for
    /// `RPCClient`'s transparent retry.
    public func send(method: String, payload: Data, metadata: [String: String], deadline: NIODeadline?) async throws -> Data {
        try await callOrNotRun(method: method, payload: payload, metadata: metadata, deadline: deadline)
    }

    public func whenClosed(_ body: @escaping @Sendable (RPCError?) -> Void) {
        channel.closeFuture.whenComplete { _ in body(self.unresponsiveError) }
    }

    func callOrNotRun(method: String, payload: Data, metadata: [String: String], deadline: NIODeadline?) async throws -> Data {
        var timeoutMicros: UInt64 = 0
        if let deadline {
            let remaining = deadline - .now()
            guard remaining > .zero else { throw RPCError(.deadlineExceeded, "deadline exceeded before the call was sent") }
            timeoutMicros = UInt64(max(1, remaining.nanoseconds / 1000))
        }
        let id = pending.allocateID()
        var request = Luma_Rpc_V1_Request()
        request.callID = id
        request.method = method
        request.timeoutMicros = timeoutMicros
        request.metadata = metadata
        request.payload = payload
        var frame = Luma_Rpc_V1_Frame()
        frame.kind = .request(request)
        let buffer = try FrameEncoder.encode(frame)
        guard buffer.readableBytes - 4 <= limits.maxFrameSize else {
            throw RPCError(.resourceExhausted,
                "request of \(payload.count) bytes exceeds the maximum frame size of \(limits.maxFrameSize)", field: "payload")
        }

        let pending = self.pending
        let channel = self.channel
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                pending.register(id, method: method, deadline: deadline, continuation)
                // One hop onto the loop does the write, the flush and the deadline bookkeeping.
                self.queuedWrites.add(1, ordering: .relaxed)
                channel.eventLoop.execute {
                    // A failed write closes the channel, and closing fails every pending call.
                    channel.write(buffer, promise: nil)
                    if self.queuedWrites.subtract(1, ordering: .relaxed).newValue == 0 {
                        channel.flush()
                    }
                    if let deadline {
                        pending.ensureSweep(by: deadline, on: channel.eventLoop) { expired in
                            Self.sendCancel(expired, on: channel)
                        }
                    }
                }
            }
        } onCancel: {
            if pending.complete(id, with: .failure(RPCError(.cancelled, "the call was cancelled"))) {
                Self.sendCancel(id, on: channel)
            }
        }
    }

    private static func sendCancel(_ id: UInt64, on channel: any Channel) {
        var frame = Luma_Rpc_V1_Frame()
        frame.cancel.callID = id
        if let buffer = try? FrameEncoder.encode(frame) {
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    /// Why a connection failed between the TCP connect and the server's preface, in words
    /// that say what to do: a stopped process, a TLS handshake refused either way, plain
    /// text to a server that requires TLS.
    static func prefaceFailure(_ error: any Error, endpoint: RPCEndpoint, tls: Bool, timedOut: Bool,
                               connectTimeout: TimeAmount) -> RPCError {
        if timedOut {
            return RPCError.unavailable(
                "\(endpoint) accepted the connection but sent no Luma preface within \(connectTimeout.nanoseconds / 1_000_000) ms "
                + "(is the process stopped or overloaded?)")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return RPCError.unavailable("TLS handshake with \(endpoint) failed: \(handshakeWords(error, host: endpoint.host))")
        }
        if let wire = error as? RPCWireError {
            let speaksTLS = "\(wire)".contains("the peer speaks TLS")
            return RPCError.unavailable("\(endpoint) does not speak Luma RPC here: \(wire)"
                + (speaksTLS && !tls ? " (a server that requires TLS refuses plain text: give --tls-ca)" : ""))
        }
        if !tls {
            return RPCError.unavailable(
                "\(endpoint) closed the connection before its Luma preface (a server that requires TLS refuses plain text: give --tls-ca)")
        }
        return RPCError.unavailable("\(endpoint) closed the connection during the TLS handshake or before its Luma preface: \(error) "
            + "(a server that requires a client certificate refuses one without: give --tls-cert and --tls-key)")
    }

    /// BoringSSL's reason for a failed handshake, in words that say what to change.
    static func handshakeWords(_ error: any Error, host: String) -> String {
        let text = "\(error)"
        let known: [(String, String)] = [
            ("CERTIFICATE_REQUIRED", "the server requires a client certificate (mutual TLS): give --tls-cert and --tls-key"),
            ("ALERT_UNKNOWN_CA", "the server does not accept this client certificate (its CA did not sign it)"),
            ("ALERT_BAD_CERTIFICATE", "the server does not accept this client certificate"),
            ("ALERT_DECRYPT_ERROR", "the server does not accept this client certificate (signed by another CA?)"),
            ("ALERT_CERTIFICATE_EXPIRED", "the server says this client certificate has expired"),
            ("CERTIFICATE_VERIFY_FAILED", "the server's certificate does not verify against the CA given (--tls-ca), or has expired"),
            ("failedToValidateHostname", "the server's certificate does not name \(host)"),
            ("WRONG_VERSION_NUMBER", "the server does not speak TLS here (a plain Luma server?)"),
        ]
        let words = known.first { text.contains($0.0) }?.1 ?? "the TLS layer said so"
        return "\(words) [\(text)]"
    }

    /// "connection refused" rather than NIO's nested error types.
    static func reason(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return reason(first.error) }
            if let dns = error.dnsAAAAError ?? error.dnsAError { return "cannot resolve \(error.host): \(dns)" }
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? ChannelError, case .connectTimeout(let amount) = error {
            return "no answer within \(amount.nanoseconds / 1_000_000) ms"
        }
        return "\(error)"
    }

    /// Calls in flight on this connection.
    public var inFlight: Int { pending.count }

    public func close() async {
        try? await channel.close()
    }
}
