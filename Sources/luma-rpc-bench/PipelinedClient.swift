import Dispatch
import LumaRPCNIO
import NIOCore
import NIOPosix

/// The same minimal client for the raw echo and for a Luma server, so the comparison measures
/// the servers alone: a ChannelHandler that keeps `inFlight` requests outstanding and sends the
/// next one from inside `channelRead`, on the event loop, with no task, promise or thread hop
/// per call. Requests are pre-encoded Luma Request frames, one per call id; a reply (the echoed
/// Request, or a Luma Response) is matched by the call id it carries.
final class PipelinedClient: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let frames: [ByteBuffer]          // index = call id - 1
    private let total: Int
    private let skipPreface: Bool
    private let done: EventLoopPromise<(latencies: [Int64], nanoseconds: UInt64)>
    private var startedAt: UInt64 = 0
    private var buffer = ByteBuffer()
    private var sentAt: [UInt64]
    private var latencies: [Int64] = []
    private var sent = 0
    private var prefaceSkipped = false

    init(frames: [ByteBuffer], total: Int, skipPreface: Bool, done: EventLoopPromise<(latencies: [Int64], nanoseconds: UInt64)>) {
        self.frames = frames
        self.total = total
        self.skipPreface = skipPreface
        self.done = done
        self.sentAt = Array(repeating: 0, count: frames.count)
        latencies.reserveCapacity(total)
    }

    /// Starts the run as soon as the connection is up: the preface (to a Luma server), then the
    /// first `inFlight` requests. (The handler is in the pipeline from the start, so nothing the
    /// server sends first, such as its preface, can arrive before it.)
    func channelActive(context: ChannelHandlerContext) {
        if skipPreface { context.write(wrapOutboundOut(ByteBuffer(bytes: [0x4C, 0x55, 0x4D, 0x41, 0, 1, 0, 0])), promise: nil) }
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        startedAt = DispatchTime.now().uptimeNanoseconds
        for index in frames.indices where sent < total {
            send(index, context: context)
        }
        context.flush()
    }

    private func send(_ index: Int, context: ChannelHandlerContext) {
        sentAt[index] = DispatchTime.now().uptimeNanoseconds
        sent += 1
        context.write(wrapOutboundOut(frames[index]), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        if skipPreface && !prefaceSkipped {
            guard buffer.readableBytes >= 8 else { return }
            buffer.moveReaderIndex(forwardBy: 8)
            prefaceSkipped = true
        }
        let now = DispatchTime.now().uptimeNanoseconds
        while let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self), buffer.readableBytes >= 4 + Int(length) {
            let id = Self.callID(buffer, at: buffer.readerIndex + 4)
            buffer.moveReaderIndex(forwardBy: 4 + Int(length))
            let index = Int(id) - 1
            latencies.append(Int64(now - sentAt[index]))
            if sent < total { send(index, context: context) }
        }
        buffer.discardReadBytes()
        context.flush()
        if latencies.count == total { done.succeed((latencies, now - startedAt)) }
    }

    /// call_id of a Frame{request|response{call_id=1}}: tag, length, then field 1 as a varint.
    static func callID(_ buffer: ByteBuffer, at start: Int) -> UInt64 {
        var index = start + 1                               // the oneof's tag byte
        while buffer.getInteger(at: index, as: UInt8.self)! & 0x80 != 0 { index += 1 }   // its length
        index += 2                                          // past the length's last byte and call_id's tag
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            let byte = buffer.getInteger(at: index, as: UInt8.self)!
            value |= UInt64(byte & 0x7F) << shift
            index += 1
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Connects, runs `total` calls with `frames.count` in flight, returns each call's latency
    /// in nanoseconds.
    static func run(port: Int, frames: [ByteBuffer], total: Int, luma: Bool, group: any EventLoopGroup) async throws
        -> (latencies: [Int64], nanoseconds: UInt64) {
        let loop = group.next()
        let done = loop.makePromise(of: (latencies: [Int64], nanoseconds: UInt64).self)
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PipelinedClient(frames: frames, total: total, skipPreface: luma, done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let result = try await done.futureResult.get()
        try await channel.close()
        return result
    }
}

extension PipelinedClient {
    /// `count` length-prefixed copies of `template` with call ids 1...count: the frames a
    /// pipelined run keeps in flight.
    static func framed(_ template: Luma_Rpc_V1_Frame, count: Int) throws -> [ByteBuffer] {
        try (1...count).map { id in
            var frame = template
            frame.request.callID = UInt64(id)
            let body: [UInt8] = try frame.serializedBytes()
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt32(body.count))
            buffer.writeBytes(body)
            return buffer
        }
    }
}
