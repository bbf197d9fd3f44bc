import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// One multiplexed connection to one endpoint. Many calls may be in flight at once; responses
/// arrive in any order and are matched by correlation id. `RPCClient` manages these; use it
/// rather than this type directly.
public final class RPCConnection: Sendable {
    public let endpoint: RPCEndpoint
    private let channel: any Channel
    private let pending: PendingCalls
    private let limits: RPCConnectionLimits
    private let draining: NIOLockedValueBox<Bool>
    /// Writes handed to the loop but not yet written. The write that brings it to zero
    /// flushes, so a burst of calls shares one syscall and a lone call needs no extra task.
    private let queuedWrites = Atomic<Int>(0)

    /// True while the connection can take new calls (open and not told to go away).
    public var isUsable: Bool { channel.isActive && !draining.withLockedValue { $0 } }
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    private init(endpoint: RPCEndpoint, channel: any Channel, pending: PendingCalls, limits: RPCConnectionLimits, draining: NIOLockedValueBox<Bool>) {
        self.endpoint = endpoint
        self.channel = channel
        self.pending = pending
        self.limits = limits
        self.draining = draining
    }

    /// Connects and sends the preface. Failures are UNAVAILABLE naming the endpoint.
    public static func connect(
        to endpoint: RPCEndpoint, limits: RPCConnectionLimits = RPCConnectionLimits(),
        connectTimeout: TimeAmount = .seconds(2),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "luma.rpc.client")
    ) async throws -> RPCConnection {
        let pending = PendingCalls()
        let draining = NIOLockedValueBox(false)
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(
                            maxFrameSize: limits.maxFrameSize, pending: pending, logger: logger,
                            onGoAway: { _ in draining.withLockedValue { $0 = true } }))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
            var preface = channel.allocator.buffer(capacity: ConnectionPreface.length)
            ConnectionPreface.write(into: &preface)
            try await channel.writeAndFlush(preface)
            return RPCConnection(endpoint: endpoint, channel: channel, pending: pending, limits: limits, draining: draining)
        } catch {
            throw RPCError.unavailable("cannot connect to \(endpoint): \(error)")
        }
    }

    /// Sends one call and awaits its response payload. Throws `RPCError`.
    public func call(method: String, payload: Data, metadata: [String: String], deadline: NIODeadline?) async throws -> Data {
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

    /// Calls in flight on this connection.
    public var inFlight: Int { pending.count }

    public func close() async {
        try? await channel.close()
    }
}
