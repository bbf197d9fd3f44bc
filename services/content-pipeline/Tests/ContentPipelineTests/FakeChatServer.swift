import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A local stand-in for an OpenAI-compatible chat-completions server: each request is handed
/// to `answer` with its number (1, 2, ...) and decoded body; the reply is what it returns.
/// `.hang` never answers (the client's timeout must fire).
final class FakeChatServer: Sendable {
    enum Reply: Sendable {
        case status(Int, String)
        /// A 200 whose first choice's message content is `content`.
        case content(String)
        case hang
    }

    struct Received: Sendable {
        let path: String
        let authorization: String?
        let body: [String: any Sendable]
        var messages: [String] {
            (body["messages"] as? [[String: any Sendable]] ?? []).compactMap { $0["content"] as? String }
        }
    }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let received = NIOLockedValueBox<[Received]>([])
    private let channel: NIOLockedValueBox<(any Channel)?> = .init(nil)
    let answer: @Sendable (Int, Received) -> Reply

    init(answer: @escaping @Sendable (Int, Received) -> Reply) {
        self.answer = answer
    }

    var url: String {
        "http://127.0.0.1:\(channel.withLockedValue { $0!.localAddress!.port! })/v1"
    }

    func start() async throws {
        let bound = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLockedValue { $0 = bound }
    }

    func stop() async throws {
        try await channel.withLockedValue { $0 }?.close()
        try await group.shutdownGracefully()
    }

    static func chatBody(_ content: String) -> String {
        let escaped = String(data: try! JSONSerialization.data(withJSONObject: [content], options: [.fragmentsAllowed]), encoding: .utf8)!
        return #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"# + escaped.dropFirst().dropLast() + #"},"finish_reason":"stop"}]}"#
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: FakeChatServer
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(server: FakeChatServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
            case .body(var chunk):
                body.writeBuffer(&chunk)
            case .end:
                let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: any Sendable] ?? [:]
                let request = Received(path: head?.uri ?? "", authorization: head?.headers.first(name: "Authorization"), body: json)
                let number = server.received.withLockedValue { $0.append(request); return $0.count }
                let (status, text): (Int, String)
                switch server.answer(number, request) {
                case .hang: return
                case .status(let code, let body): (status, text) = (code, body)
                case .content(let content): (status, text) = (200, FakeChatServer.chatBody(content))
                }
                var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(text.utf8.count)")])
                headers.add(name: "Connection", value: "close")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            }
        }
    }
}
