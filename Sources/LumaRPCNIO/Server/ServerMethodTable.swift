import LumaRPC
import Foundation
import NIOCore

/// The router's methods keyed by the bytes of their wire names, built once per server and
/// shared by its connections: a request finds its handler from the receive buffer's bytes,
/// without making a `String` of the name, and gets everything the call path needs in one
/// reference (copying an `RPCRawHandler` retains every string of its descriptor).
final class ServerMethodTable: Sendable {
    final class Method: Sendable {
        let handler: RPCRawHandler
        /// Set when the handler never suspends and no interceptor wraps it.
        let synchronousBody: RPCRawHandler.SynchronousBody?

        init(handler: RPCRawHandler, synchronousBody: RPCRawHandler.SynchronousBody?) {
            self.handler = handler
            self.synchronousBody = synchronousBody
        }
    }

    let router: RPCRouter
    private let methods: [ByteBuffer: Method]

    init(router: RPCRouter) {
        self.router = router
        var methods: [ByteBuffer: Method] = [:]
        for (name, handler) in router.handlers {
            methods[ByteBuffer(string: name)] = Method(handler: handler, synchronousBody: router.synchronousBody(handler))
        }
        self.methods = methods
    }

    func method(named name: ByteBuffer) -> Method? {
        methods[name]
    }
}
