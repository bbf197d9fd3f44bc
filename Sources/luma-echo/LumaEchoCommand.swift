import Foundation
import ArgumentParser
import LumaEcho
import LumaRPC
import LumaRPCNIO
import LumaRPCLifecycle
import Logging
import ServiceLifecycle

/// A stand-alone Echo server: the smallest complete Luma RPC server.
@main
struct LumaEchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luma-echo",
        abstract: "Serve the example luma.examples.v1.Echo service (plus Health and Reflection).")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 7100

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "luma-echo")
        let server = RPCServer(configuration: .init(host: host, port: port), services: [EchoService()], logger: logger)
        let address = try await server.start()
        // One line on stdout, as the Luma services print it, for scripts and tests on port 0.
        FileHandle.standardOutput.write(Data("luma-echo listening on \(host):\(address.port ?? port)\n".utf8))
        let group = ServiceGroup(services: [RPCServerService(server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

