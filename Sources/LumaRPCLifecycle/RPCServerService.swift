import LumaRPC
import ServiceLifecycle

/// Runs an `RPCServer` as a swift-service-lifecycle `Service`: serves until graceful shutdown
/// (SIGTERM / SIGINT through a `ServiceGroup`) or cancellation, then shuts the server down
/// gracefully. Kept out of the RPC core, which does not depend on the lifecycle library.
public struct RPCServerService: Service {
    public let server: RPCServer

    public init(_ server: RPCServer) {
        self.server = server
    }

    public func run() async throws {
        try await server.startIfIdle()
        let server = self.server
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await server.waitUntilStopped()
            } onCancel: {
                Task { await server.shutdown() }
            }
        } onGracefulShutdown: {
            Task { await server.shutdown() }
        }
    }
}
