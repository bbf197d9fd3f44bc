import ArgumentParser
import Foundation
import LumaRPCNIO

/// TLS for a client's calls (lumactl, the studio, the feed). --tls-ca (env LUMA_TLS_CA) turns it on: servers must present a
/// certificate from that CA naming the host dialled, and plain text is never sent.
/// --tls-cert/--tls-key (LUMA_TLS_CERT, LUMA_TLS_KEY) are the client certificate a server with
/// mutual TLS requires (`lumactl certs init` makes one per process). The token still decides
/// what a call may do.
public struct ClientTLSOptions: ParsableArguments {
    @Option(help: "PEM CA to verify servers with; calls go over TLS (env LUMA_TLS_CA).")
    public var tlsCa: String?

    @Option(help: "PEM client certificate for servers that require one (env LUMA_TLS_CERT).")
    public var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert (env LUMA_TLS_KEY).")
    public var tlsKey: String?

    public init() {}

    /// The client context, or nil for plain TCP.
    public func context() throws -> RPCTLSContext? {
        let environment = ProcessInfo.processInfo.environment
        func value(_ flag: String?, _ name: String) -> String? {
            let text = flag ?? environment[name]
            return text?.isEmpty == false ? text : nil
        }
        let certificate = value(tlsCert, "LUMA_TLS_CERT"), key = value(tlsKey, "LUMA_TLS_KEY")
        guard let ca = value(tlsCa, "LUMA_TLS_CA") else {
            if certificate != nil || key != nil {
                throw ValidationError("--tls-cert/--tls-key need --tls-ca (or LUMA_TLS_CA): the CA that verifies the server")
            }
            return nil
        }
        do {
            return try RPCTLSContext.client(ca: ca, certificate: certificate, key: key)
        } catch let error as RPCTLSError {
            throw ValidationError("TLS: \(error)")
        }
    }
}
