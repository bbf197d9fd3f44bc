import Foundation
import Logging
import NIOCore

/// One server-side connection: reads the preface and frames, starts a task per call, writes
/// responses in completion order, and enforces the connection's limits and timeouts.
///
/// Everything here runs on the channel's event loop. Handler tasks run on that loop too
/// (`EventLoopTaskExecutor`), unless the server is configured to run them on Swift's global
/// executor, in which case each finished call hops back with one `eventLoop.execute`.
/// Responses finished in one loop tick share one flush.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct InFlightCall {
        var task: Task<Void, Never>?
        let deadline: NIODeadline?
    }

    private let router: RPCRouter
    private let limits: RPCConnectionLimits
    private let runHandlersOnEventLoop: Bool
    private var logger: Logger
    private var parser: FrameParser
    private var calls: [UInt64: InFlightCall] = [:]
    private var draining = false
    private var closing = false
    private var lastRead = NIODeadline.now()
    private var lastActivity = NIODeadline.now()
    private var watchdog: Scheduled<Void>?
    /// One timer per connection for every call's deadline, armed for the earliest one (see
    /// `armDeadlineSweep`): a timer per call cost a scheduled task, a promise and a heap
    /// insertion and removal on every call.
    private var deadlineSweep: (deadline: NIODeadline, timer: Scheduled<Void>)?
    private var peer = "unknown"
    private var flushScheduled = false
    /// True inside channelRead: responses written then go out with channelReadComplete's flush.
    private var reading = false
    private var taskExecutor: EventLoopTaskExecutor?

    init(router: RPCRouter, limits: RPCConnectionLimits, runHandlersOnEventLoop: Bool, logger: Logger) {
        self.runHandlersOnEventLoop = runHandlersOnEventLoop
        self.router = router
        self.limits = limits
        self.logger = logger
        self.parser = FrameParser(maxFrameSize: limits.maxFrameSize)
    }

    // MARK: Channel events

    func channelActive(context: ChannelHandlerContext) {
        peer = context.remoteAddress?.description ?? "unknown"
        logger[metadataKey: "peer"] = "\(peer)"
        if runHandlersOnEventLoop { taskExecutor = EventLoopTaskExecutor.shared(for: context.eventLoop) }
        var preface = context.channel.allocator.buffer(capacity: ConnectionPreface.length)
        ConnectionPreface.write(into: &preface)
        context.writeAndFlush(wrapOutboundOut(preface), promise: nil)
        armWatchdog(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        watchdog?.cancel()
        deadlineSweep?.timer.cancel()
        deadlineSweep = nil
        for (_, call) in calls {
            call.task?.cancel()
        }
        calls.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        lastRead = .now()
        lastActivity = lastRead
        parser.append(unwrapInboundIn(data))
        reading = true
        defer { reading = false }
        do {
            while let body = try parser.nextFrame() {
                let frame = try FrameEncoder.decode(body)
                try handle(frame, context: context)
                if closing { return }
            }
        } catch {
            fail(context: context, error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            beginDraining(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Frames

    private func handle(_ frame: Luma_Rpc_V1_Frame, context: ChannelHandlerContext) throws(RPCWireError) {
        switch frame.kind {
        case .request(let request):
            try start(request, context: context)
        case .cancel(let cancel):
            cancelCall(cancel.callID, context: context)
        case .ping(let ping):
            var pong = Luma_Rpc_V1_Frame()
            pong.pong.nonce = ping.nonce
            write(pong, context: context, flush: false)
        case .pong:
            break
        case .goaway:
            // The client is leaving: finish what it asked for, then close.
            draining = true
            closeIfDrained(context: context)
        case .response:
            throw .protocolViolation(detail: "a client must not send Response frames")
        case .none:
            throw .malformedFrame(detail: "frame has no kind set")
        }
    }

    private func start(_ request: Luma_Rpc_V1_Request, context: ChannelHandlerContext) throws(RPCWireError) {
        let callID = request.callID
        guard callID != 0 else { throw .protocolViolation(detail: "call_id 0 is reserved") }
        guard calls[callID] == nil else { throw .protocolViolation(detail: "call_id \(callID) is already in flight") }

        if draining {
            return respond(callID, .failure(RPCError.unavailable("server is shutting down; reconnect")), context: context)
        }
        guard calls.count < limits.maxConcurrentCalls else {
            return respond(callID, .failure(RPCError(.resourceExhausted,
                "too many calls in flight on this connection (limit \(limits.maxConcurrentCalls))")), context: context)
        }
        guard let handler = router.handlers[request.method] else {
            return respond(callID, .failure(RPCError(.unimplemented, "unknown method '\(request.method)'", field: "method")), context: context)
        }

        let deadline: NIODeadline? = request.timeoutMicros > 0
            ? .now() + .microseconds(Int64(clamping: request.timeoutMicros)) : nil
        let serverContext = RPCServerContext(
            method: handler.descriptor, callID: callID, metadata: request.metadata,
            deadline: deadline, peer: peer, logger: logger)
        let scope = RPCCallScope(deadline: deadline, traceID: serverContext.traceID)
        let router = self.router
        let payload = request.payload
        let eventLoop = context.eventLoop
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: eventLoop)

        calls[callID] = InFlightCall(deadline: deadline)
        if let deadline { armDeadlineSweep(by: deadline, context: context) }
        // `Task.immediate` runs the handler right here, on the loop, until its first
        // suspension: a handler that never suspends answers within this read, and its response
        // goes out with the read's flush. One that suspends resumes on the loop (the executor
        // preference) or, if so configured, on the global executor.
        let task = Task.immediate(executorPreference: taskExecutor) {
            let outcome: Result<Data, any Error>
            do {
                outcome = .success(try await RPCCallScope.$current.withValue(scope) {
                    try await router.invoke(handler, payload: payload, context: serverContext)
                })
            } catch {
                if !(error is RPCError || error is CancellationError) {
                    // The caller only sees "internal error (call id N)"; the details stay here.
                    serverContext.logger.error("handler failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                outcome = .failure(error)
            }
            if eventLoop.inEventLoop {
                this.value.finish(callID, outcome, context: boundContext.value)
            } else {
                eventLoop.execute { this.value.finish(callID, outcome, context: boundContext.value) }
            }
        }
        // Still in flight unless it already finished synchronously above.
        if calls[callID] != nil { calls[callID]!.task = task }
    }

    private func finish(_ callID: UInt64, _ outcome: Result<Data, any Error>, context: ChannelHandlerContext) {
        // Absent when the deadline or a cancel frame already answered it.
        guard calls.removeValue(forKey: callID) != nil else { return }
        respond(callID, outcome, context: context)
        scheduleFlush(context: context)
        lastActivity = .now()
        closeIfDrained(context: context)
    }

    /// Makes sure the deadline sweep fires no later than `deadline`. A finished call leaves the
    /// timer armed: when it fires it finds nothing expired and re-arms for the earliest
    /// remaining deadline, if any.
    private func armDeadlineSweep(by deadline: NIODeadline, context: ChannelHandlerContext) {
        if let armed = deadlineSweep, armed.deadline <= deadline { return }
        deadlineSweep?.timer.cancel()
        let this = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(deadline: deadline) {
            this.value.expireOverdueCalls(context: boundContext.value)
        }
        deadlineSweep = (deadline, timer)
    }

    /// Answers DEADLINE_EXCEEDED for every call past its deadline (cancelling its handler) and
    /// re-arms for the next deadline.
    private func expireOverdueCalls(context: ChannelHandlerContext) {
        deadlineSweep = nil
        let now = NIODeadline.now()
        var next: NIODeadline?
        var overdue: [UInt64] = []
        for (callID, call) in calls {
            guard let deadline = call.deadline else { continue }
            if deadline <= now {
                overdue.append(callID)
            } else {
                next = next.map { min($0, deadline) } ?? deadline
            }
        }
        for callID in overdue {
            guard let call = calls.removeValue(forKey: callID) else { continue }
            call.task?.cancel()
            respond(callID, .failure(RPCError(.deadlineExceeded, "deadline exceeded before the handler finished")),
                    context: context)
        }
        if !overdue.isEmpty {
            scheduleFlush(context: context)
            closeIfDrained(context: context)
        }
        if let next { armDeadlineSweep(by: next, context: context) }
    }

    private func cancelCall(_ callID: UInt64, context: ChannelHandlerContext) {
        guard let call = calls.removeValue(forKey: callID) else { return }
        call.task?.cancel()
        respond(callID, .failure(RPCError(.cancelled, "cancelled by the client")), context: context)
        scheduleFlush(context: context)
        closeIfDrained(context: context)
    }

    // MARK: Responses

    /// Responses are written as calls finish but flushed once per loop tick: the flush task
    /// queues behind every completion already queued, so a burst costs one syscall.
    private func scheduleFlush(context: ChannelHandlerContext) {
        guard !flushScheduled && !reading else { return }
        flushScheduled = true
        let this = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            this.value.flushScheduled = false
            boundContext.value.flush()
        }
    }

    private func respond(_ callID: UInt64, _ outcome: Result<Data, any Error>, context: ChannelHandlerContext) {
        var response = Luma_Rpc_V1_Response()
        response.callID = callID
        switch outcome {
        case .success(let payload) where payload.count + 64 <= limits.maxFrameSize:
            response.payload = payload
        case .success(let payload):
            response.status = RPCError(.resourceExhausted,
                "response of \(payload.count) bytes exceeds the maximum frame size of \(limits.maxFrameSize)").wireStatus
        case .failure(let error):
            response.status = status(for: error, callID: callID).wireStatus
        }
        var frame = Luma_Rpc_V1_Frame()
        frame.kind = .response(response)
        write(frame, context: context, flush: false)
    }

    /// Maps a thrown error to what the caller sees, never leaking internals (the task logged
    /// the real error with the call's id and trace id).
    private func status(for error: any Error, callID: UInt64) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case is CancellationError:
            return RPCError(.cancelled, "the call was cancelled")
        default:
            return RPCError(.internalError, "internal error (call id \(callID))")
        }
    }

    private func write(_ frame: Luma_Rpc_V1_Frame, context: ChannelHandlerContext, flush: Bool) {
        do {
            let buffer = try FrameEncoder.encode(frame)
            if flush {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            } else {
                context.write(wrapOutboundOut(buffer), promise: nil)
            }
        } catch {
            logger.error("could not encode frame", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Closing

    private func fail(context: ChannelHandlerContext, _ error: RPCWireError) {
        logger.notice("closing connection: \(error)")
        goAway(context: context, status: error.status, thenClose: true)
    }

    private func beginDraining(context: ChannelHandlerContext) {
        guard !draining else { return }
        draining = true
        goAway(context: context, status: RPCError(.ok, "server is shutting down"), thenClose: false)
        closeIfDrained(context: context)
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        if draining && calls.isEmpty && !closing {
            closing = true
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0)))
                .whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func goAway(context: ChannelHandlerContext, status: RPCError, thenClose: Bool) {
        var frame = Luma_Rpc_V1_Frame()
        frame.goaway.status = status.wireStatus
        guard let buffer = try? FrameEncoder.encode(frame) else { return }
        let written = context.writeAndFlush(wrapOutboundOut(buffer))
        if thenClose {
            closing = true
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// One timer covers both timeouts: a peer stalled mid-frame (or mid-preface) and an idle
    /// connection. It re-arms itself for whichever can fire next.
    private func armWatchdog(context: ChannelHandlerContext) {
        let this = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let next = nextWatchdogDeadline()
        watchdog = context.eventLoop.scheduleTask(deadline: next) {
            this.value.checkTimeouts(context: boundContext.value)
        }
    }

    private var awaitingInput: Bool { parser.hasPartialInput || parser.state == .awaitingPreface }

    private func nextWatchdogDeadline() -> NIODeadline {
        awaitingInput ? min(lastRead + limits.stallTimeout, lastActivity + limits.idleTimeout)
            : lastActivity + limits.idleTimeout
    }

    private func checkTimeouts(context: ChannelHandlerContext) {
        guard !closing else { return }
        let now = NIODeadline.now()
        if awaitingInput && now - lastRead >= limits.stallTimeout {
            logger.notice("closing connection: peer stalled mid-frame")
            return goAway(context: context, status: RPCError(.deadlineExceeded,
                "no bytes for \(limits.stallTimeout.nanoseconds / 1_000_000) ms in the middle of a frame"), thenClose: true)
        }
        if calls.isEmpty && now - lastActivity >= limits.idleTimeout {
            logger.debug("closing idle connection")
            return goAway(context: context, status: RPCError(.ok, "idle timeout"), thenClose: true)
        }
        if !calls.isEmpty { lastActivity = now }
        armWatchdog(context: context)
    }
}
