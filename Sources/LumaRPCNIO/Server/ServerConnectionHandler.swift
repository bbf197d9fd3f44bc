import LumaRPC
import Foundation
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// One server-side connection, as a thin ChannelHandler: it parses frames, starts a task per
/// call, writes responses, and carries out what `ServerConnectionStateMachine` decides (which
/// holds every rule: the call table, deadlines, stall, trickle, idle, drain and linger).
/// Times come from the event loop's clock (`eventLoop.now`), so tests on an
/// `NIOAsyncTestingChannel` drive every timing rule by advancing virtual time.
///
/// Everything here runs on the channel's event loop. Handler tasks run on that loop too
/// (`EventLoopTaskExecutor`), unless the server is configured to run them on Swift's global
/// executor, in which case each finished call hops back with one `eventLoop.execute`.
/// Responses are appended to one outbound buffer (`responses`), handed to the channel as one
/// write at the end of the read or loop tick that produced them, and share one flush.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let methods: ServerMethodTable
    private let limits: RPCConnectionLimits
    private let runHandlersOnEventLoop: Bool
    private var logger: Logger
    private var parser: FrameParser
    private var state: ServerConnectionStateMachine?
    /// The running handler task of each call in flight (the state machine holds the calls).
    private var tasks: [UInt64: Task<Void, Never>] = [:]
    private var watchdog: (deadline: NIODeadline, timer: Scheduled<Void>)?
    /// One timer for every call's deadline, armed for the earliest one.
    private var deadlineSweep: (deadline: NIODeadline, timer: Scheduled<Void>)?
    private var peer = "unknown"
    /// The common name of the peer's TLS client certificate, once the handshake completed.
    private var peerIdentity: String?
    private var flushScheduled = false
    /// True inside channelRead: responses written then go out with channelReadComplete's flush.
    private var reading = false
    private var closed = false
    private var taskExecutor: EventLoopTaskExecutor?
    /// Responses written but not yet handed to the channel (see `respond`).
    private var responses = ByteBuffer()

    private let observer: (any RPCTransportObserver)?

    /// `methods` is the server's table, built once from its router and shared by its connections.
    init(methods: ServerMethodTable, limits: RPCConnectionLimits, runHandlersOnEventLoop: Bool,
         observer: (any RPCTransportObserver)? = nil, logger: Logger) {
        self.observer = observer
        self.runHandlersOnEventLoop = runHandlersOnEventLoop
        self.methods = methods
        self.limits = limits
        self.logger = logger
        self.parser = FrameParser(maxFrameSize: limits.maxFrameSize)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { activate(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context: context)
        context.fireChannelActive()
    }

    private func activate(context: ChannelHandlerContext) {
        guard state == nil else { return }
        state = ServerConnectionStateMachine(limits: limits, now: context.eventLoop.now)
        peer = context.remoteAddress?.description ?? "unknown"
        logger[metadataKey: "peer"] = "\(peer)"
        if runHandlersOnEventLoop { taskExecutor = EventLoopTaskExecutor.shared(for: context.eventLoop) }
        var preface = context.channel.allocator.buffer(capacity: ConnectionPreface.length)
        ConnectionPreface.write(into: &preface)
        context.writeAndFlush(wrapOutboundOut(preface), promise: nil)
        runWatchdog(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        watchdog?.timer.cancel()
        watchdog = nil
        deadlineSweep?.timer.cancel()
        deadlineSweep = nil
        for task in tasks.values { task.cancel() }
        tasks.removeAll()
        responses = ByteBuffer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let phase = state?.phase, !closed else { return }
        // After a graceful drain the output is closed: input is only read so that the peer's
        // late bytes do not turn our close into an RST.
        if phase == .closing { return }
        parser.append(unwrapInboundIn(data))
        let wasAwaitingPreface = parser.state == .awaitingPreface
        let now = context.eventLoop.now
        reading = true
        defer {
            reading = false
            // The read's responses go to the channel as one write; channelReadComplete flushes.
            emitResponses(context: context)
        }
        var completed = false
        do {
            while let body = try parser.nextFrame() {
                completed = true
                // Requests, nearly every frame, take the hand-written path; the rest SwiftProtobuf's.
                if let request = CallFrameCodec.decodeRequestFrame(body) {
                    try start(request, now: now, context: context)
                } else {
                    try handle(try FrameEncoder.decode(body), now: now, context: context)
                }
                if self.state?.phase == .closing { return }
            }
        } catch {
            return fail(context: context, error)
        }
        if wasAwaitingPreface && parser.state == .frames { completed = true }
        guard var state = self.state else { return }
        if parser.state == .frames { state.prefaceReceived() }
        state.bytesRead(now: now, completedFrame: completed, partialRemains: parser.hasPartialInput)
        self.state = state
        // A frame that began to arrive may need the watchdog sooner than it is armed for.
        if let armed = watchdog?.deadline, state.nextWatchdog < armed { runWatchdog(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            // Requests can only follow the handshake, so every call of the connection sees it.
            peerIdentity = (try? context.pipeline.syncOperations.nioSSL_peerCertificate())?.commonName
            if let peerIdentity { logger[metadataKey: "peer-certificate"] = "\(peerIdentity)" }
            context.fireUserInboundEventTriggered(event)
        } else if event is ChannelShouldQuiesceEvent {
            if state?.beginDraining() == true {
                sendGoAway(RPCError(.ok, "server is shutting down"), context: context)
                finishDrainingIfDone(context: context)
            }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Frames

    private func handle(_ frame: Luma_Rpc_V1_Frame, now: NIODeadline, context: ChannelHandlerContext) throws(RPCWireError) {
        switch frame.kind {
        case .request(let request):
            try start(InboundRequest(request), now: now, context: context)
        case .cancel(let cancel):
            if state?.cancel(id: cancel.callID) == true {
                tasks.removeValue(forKey: cancel.callID)?.cancel()
                respond(cancel.callID, error: RPCError(.cancelled, "cancelled by the client"), context: context)
                scheduleFlush(context: context)
                finishDrainingIfDone(context: context)
            }
        case .ping(let ping):
            var pong = Luma_Rpc_V1_Frame()
            pong.pong.nonce = ping.nonce
            write(pong, context: context)
        case .pong:
            break
        case .goaway:
            // The client is leaving: finish what it asked for, then close.
            _ = state?.beginDraining()
            finishDrainingIfDone(context: context)
        case .response:
            throw .protocolViolation(detail: "a client must not send Response frames")
        case .none:
            throw .malformedFrame(detail: "frame has no kind set")
        }
    }

    private func start(_ request: InboundRequest, now: NIODeadline, context: ChannelHandlerContext) throws(RPCWireError) {
        let callID = request.callID
        let method = methods.method(named: request.method)
        let synchronousBody = method?.synchronousBody
        switch state!.request(id: callID, method: request.methodName, knownMethod: method != nil,
                              synchronous: synchronousBody != nil, timeoutMicros: request.timeoutMicros, now: now) {
        case .violation(let error):
            throw error
        case .refuse(let status):
            respond(callID, error: status, context: context)
        case .run(let deadline):
            let serverContext = RPCServerContext(
                method: method!.handler.descriptor, callID: callID, metadata: request.metadata,
                deadline: deadline, peer: peer, peerIdentity: peerIdentity, logger: logger)
            if let synchronousBody {
                runSynchronously(synchronousBody, request, serverContext, context: context)
            } else {
                run(method!.handler, request, serverContext, deadline: deadline, context: context)
            }
        }
    }

    /// A handler that never suspends runs here, in the read, with no task, on the receive
    /// buffer's bytes; its response goes out with the read's. It never enters the call table:
    /// nothing can overtake it.
    private func runSynchronously(_ body: RPCRawHandler.SynchronousBody, _ request: InboundRequest,
                                  _ serverContext: RPCServerContext, context: ChannelHandlerContext) {
        do {
            let payload = try request.payload.withUnsafeReadableBytes { try body($0, serverContext) }
            respond(request.callID, payload: payload, context: context)
        } catch {
            if !(error is RPCError) {
                serverContext.logger.error("handler failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            respond(request.callID, error: error, context: context)
        }
    }

    private func run(_ handler: RPCRawHandler, _ request: InboundRequest, _ serverContext: RPCServerContext,
                     deadline: NIODeadline?, context: ChannelHandlerContext) {
        let callID = request.callID
        let router = methods.router
        let payload = request.payloadData
        let scope = RPCCallScope(deadline: deadline, traceID: serverContext.traceID)
        let eventLoop = context.eventLoop
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: eventLoop)
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
        if state?.calls[callID] != nil { tasks[callID] = task }
    }

    private func finish(_ callID: UInt64, _ outcome: Result<Data, any Error>, context: ChannelHandlerContext) {
        tasks.removeValue(forKey: callID)
        // False when the deadline or a cancel frame already answered it.
        guard !closed, state?.callFinished(id: callID, now: context.eventLoop.now) == true else { return }
        switch outcome {
        case .success(let payload): respond(callID, payload: payload, context: context)
        case .failure(let error): respond(callID, error: error, context: context)
        }
        scheduleFlush(context: context)
        if state?.phase == .draining { finishDrainingIfDone(context: context) }
    }

    // MARK: Deadlines

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

    private func expireOverdueCalls(context: ChannelHandlerContext) {
        deadlineSweep = nil
        guard !closed, var state else { return }
        let (expired, next) = state.expireCalls(now: context.eventLoop.now)
        self.state = state
        for callID in expired {
            tasks.removeValue(forKey: callID)?.cancel()
            respond(callID, error: RPCError(.deadlineExceeded, "deadline exceeded before the handler finished"), context: context)
        }
        if !expired.isEmpty {
            scheduleFlush(context: context)
            finishDrainingIfDone(context: context)
        }
        if let next { armDeadlineSweep(by: next, context: context) }
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
            this.value.emitResponses(context: boundContext.value)
            boundContext.value.flush()
        }
    }

    private func respond(_ callID: UInt64, payload: some ContiguousBytes, context: ChannelHandlerContext) {
        payload.withUnsafeBytes { respond(callID, status: nil, payload: $0, context: context) }
    }

    private func respond(_ callID: UInt64, error: any Error, context: ChannelHandlerContext) {
        respond(callID, status: status(for: error, callID: callID).wireStatus, payload: UnsafeRawBufferPointer(start: nil, count: 0),
                context: context)
    }

    /// Appends the call's response to `responses`. Large frames are written on their own
    /// (after what is batched), so the batch buffer stays small.
    private func respond(_ callID: UInt64, status: Luma_Rpc_V1_Status?, payload: UnsafeRawBufferPointer,
                         context: ChannelHandlerContext) {
        var status = status
        var payload = payload
        var size = CallFrameCodec.responseFrameSize(callID: callID, status: status, payloadCount: payload.count)
        // The limit is on the frame as encoded, exactly: a response that fits is sent.
        if size > limits.maxFrameSize {
            status = RPCError(.resourceExhausted,
                "the response frame would be \(size) bytes, over the maximum frame size of \(limits.maxFrameSize) bytes").wireStatus
            payload = UnsafeRawBufferPointer(start: nil, count: 0)
            size = CallFrameCodec.responseFrameSize(callID: callID, status: status, payloadCount: 0)
        }
        if size > Self.largestBatchedFrame {
            emitResponses(context: context)
            var buffer = context.channel.allocator.buffer(capacity: 4 + size)
            CallFrameCodec.writeResponse(callID: callID, status: status, payload: payload, frameSize: size, into: &buffer)
            context.write(wrapOutboundOut(buffer), promise: nil)
            return
        }
        // Reuse the batch's memory once the channel has written it out (nothing else refers to
        // it then). While the channel still holds it (a peer slow to read), start a new buffer
        // sized to what is written, not a copy of the old capacity: a peer that reads nothing
        // must not make each small answer cost a whole batch's memory.
        if responses.readableBytes == 0 {
            if responses.capacity > Self.batchLimit * 2 { responses = ByteBuffer() } else { responses.clear(minimumCapacity: 0) }
        }
        CallFrameCodec.writeResponse(callID: callID, status: status, payload: payload, frameSize: size, into: &responses)
        if responses.readableBytes >= Self.batchLimit { emitResponses(context: context) }
    }

    /// Frames up to this size are batched; larger ones get their own buffer.
    static let largestBatchedFrame = 8 * 1024
    /// A batch is handed to the channel once it holds this much, even mid-read.
    static let batchLimit = 32 * 1024

    /// Hands the batched responses to the channel as one write (not flushed). Called before
    /// any other write, so frames leave in the order they were produced.
    private func emitResponses(context: ChannelHandlerContext) {
        guard responses.readableBytes > 0 else { return }
        context.write(wrapOutboundOut(responses), promise: nil)
        responses.moveReaderIndex(to: responses.writerIndex)
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

    private func encode(_ frame: Luma_Rpc_V1_Frame) -> ByteBuffer? {
        do {
            return try FrameEncoder.encode(frame)
        } catch {
            logger.error("could not encode frame", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func write(_ frame: Luma_Rpc_V1_Frame, context: ChannelHandlerContext) {
        emitResponses(context: context)
        if let buffer = encode(frame) { context.write(wrapOutboundOut(buffer), promise: nil) }
    }

    // MARK: Closing

    private func fail(context: ChannelHandlerContext, _ error: RPCWireError) {
        logger.notice("closing connection: \(error)")
        switch error {
        case .frameTooLarge: observer?.frameRefused(reason: "too_large")
        case .malformedFrame: observer?.frameRefused(reason: "malformed")
        default: observer?.frameRefused(reason: "protocol")
        }
        closeWithGoAway(error.status, context: context)
    }

    private func sendGoAway(_ status: RPCError, context: ChannelHandlerContext) {
        var frame = Luma_Rpc_V1_Frame()
        frame.goaway.status = status.wireStatus
        frame.goaway.lastCallID = state?.lastAcceptedCallID ?? 0
        emitResponses(context: context)
        if let buffer = encode(frame) { context.writeAndFlush(wrapOutboundOut(buffer), promise: nil) }
    }

    /// A GoAway, then a full close once it is written: errors and timeouts.
    private func closeWithGoAway(_ status: RPCError, context: ChannelHandlerContext) {
        guard !closed else { return }
        state?.closeForError(now: context.eventLoop.now)
        var frame = Luma_Rpc_V1_Frame()
        frame.goaway.status = status.wireStatus
        frame.goaway.lastCallID = state?.lastAcceptedCallID ?? 0
        emitResponses(context: context)
        guard let buffer = encode(frame) else { return context.close(promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Draining with no call left: flush, half-close the output (FIN after the last response),
    /// and linger reading until the peer closes or the linger timeout passes.
    private func finishDrainingIfDone(context: ChannelHandlerContext) {
        guard !closed, state?.shouldFinishDraining(now: context.eventLoop.now) == true else { return }
        let channel = context.channel
        emitResponses(context: context)
        context.flush()
        channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        runWatchdog(context: context)
    }

    // MARK: The watchdog

    /// Asks the state machine what the connection-level timers decide now, and acts on it.
    private func runWatchdog(context: ChannelHandlerContext) {
        watchdog?.timer.cancel()
        watchdog = nil
        guard !closed, var state else { return }
        let decision = state.watchdog(now: context.eventLoop.now)
        self.state = state
        switch decision {
        case .close(let status):
            logger.notice("closing connection: \(status.message)")
            if status.code == .deadlineExceeded { observer?.frameRefused(reason: "timeout") }
            closeWithGoAway(status, context: context)
        case .closeNow:
            context.close(promise: nil)
        case .rearm(let deadline):
            let this = NIOLoopBound(self, eventLoop: context.eventLoop)
            let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            let timer = context.eventLoop.scheduleTask(deadline: deadline) {
                this.value.runWatchdog(context: boundContext.value)
            }
            watchdog = (deadline, timer)
        }
    }
}
