import Foundation
import Logging

/// The server's immutable call table: method name -> handler, and the interceptor chain.
/// Shared by every connection; transports look a call's method up here and invoke it.
public struct RPCRouter: Sendable {
    public let handlers: [String: RPCRawHandler]
    let interceptors: [any RPCServerInterceptor]

    public init(providers: [any RPCServiceProvider], interceptors: [any RPCServerInterceptor]) {
        var registrar = RPCMethodRegistrar()
        for provider in providers {
            provider.registerMethods(with: &registrar)
        }
        self.handlers = registrar.handlers
        self.interceptors = interceptors
    }

    /// The handler as a plain function when it never suspends and no interceptor wraps it (an
    /// interceptor is async); nil otherwise, and the call runs through `invoke`.
    public func synchronousBody(_ handler: RPCRawHandler) -> RPCRawHandler.SynchronousBody? {
        interceptors.isEmpty ? handler.synchronousBody : nil
    }

    /// Runs the call through the interceptors and the handler.
    public func invoke(_ handler: RPCRawHandler, payload: Data, context: RPCServerContext) async throws -> Data {
        try await Self.run(interceptors[...], handler: handler, payload: payload, context: context)
    }

    private static func run(
        _ chain: ArraySlice<any RPCServerInterceptor>, handler: RPCRawHandler, payload: Data, context: RPCServerContext
    ) async throws -> Data {
        guard let first = chain.first else {
            return try await handler.body(payload, context)
        }
        let rest = chain.dropFirst()
        return try await first.intercept(request: payload, context: context) { payload, context in
            try await run(rest, handler: handler, payload: payload, context: context)
        }
    }
}
