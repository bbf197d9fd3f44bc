import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `GET /metrics` in Prometheus' text format, on its own port (`--metrics-listen HOST:PORT`),
/// over NIO's HTTP/1 codec: a few lines instead of a web framework for one route.
public final class MetricsServer: Sendable {
    private let channel: any Channel

    public var port: Int? { channel.localAddress?.port }

    public static func start(host: String, port: Int, metrics: LumaMetrics,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MetricsServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Handler(metrics: metrics))
                    }
                }
            }
            .bind(host: host, port: port).get()
        return MetricsServer(channel: channel)
    }

    private init(channel: any Channel) {
        self.channel = channel
    }

    public func close() async {
        try? await channel.close()
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let metrics: LumaMetrics
        private var path = ""

        init(metrics: LumaMetrics) {
            self.metrics = metrics
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                path = head.method == .GET ? head.uri : ""
            case .body:
                break
            case .end:
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                let metrics = self.metrics
                let path = self.path
                Task {
                    let (status, body) = path.split(separator: "?").first == "/metrics"
                        ? (HTTPResponseStatus.ok, await metrics.scrape())
                        : (.notFound, "GET /metrics\n")
                    eventLoop.execute {
                        let (handler, context) = bound.value
                        handler.respond(status, body, context: context)
                    }
                }
            }
        }

        private func respond(_ status: HTTPResponseStatus, _ body: String, context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
