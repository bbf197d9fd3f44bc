import Foundation
import LumaAuth
import LumaMetrics
import LumaRPC
import LumaRPCNIO
import LumaTracing

/// A service's authentication: verifies callers' tokens against its access policy, and signs
/// its own calls to peers with short-lived `service` tokens. Nil signer = the explicit insecure
/// development mode, where nothing is checked.
public struct ServiceAuth: Sendable {
    public let signer: TokenSigner?
    public let serviceName: String
    /// TLS for calls to peers (their certificates checked against the CA, this service's own
    /// presented); nil: plain TCP. The token still carries the role inside TLS.
    public let peerTLS: RPCTLSContext?

    public init(signer: TokenSigner?, serviceName: String, peerTLS: RPCTLSContext? = nil) {
        self.signer = signer
        self.serviceName = serviceName
        self.peerTLS = peerTLS
    }

    public func serverInterceptors(_ policy: AccessPolicy) -> [any RPCServerInterceptor] {
        signer.map { [AuthServerInterceptor(signer: $0, policy: policy)] } ?? []
    }

    /// A client for peers that presents a fresh service token on every call.
    public func peerClient(_ endpoints: [RPCEndpoint], limits: RPCConnectionLimits = RPCConnectionLimits(),
                           metrics: LumaMetrics? = nil) -> RPCClient {
        var configuration = peerConfiguration(limits: limits)
        if let metrics { configuration.interceptors.insert(ClientMetricsInterceptor(metrics: metrics), at: 0) }
        return RPCClient(endpoints: endpoints, configuration: configuration, tls: peerTLS)
    }

    /// The same over another transport (in-process, in tests).
    public func peerClient(_ endpoints: [RPCEndpoint], transport: any RPCClientTransport) -> RPCClient {
        RPCClient(endpoints: endpoints, configuration: peerConfiguration(limits: RPCConnectionLimits()), transport: transport)
    }

    private func peerConfiguration(limits: RPCConnectionLimits) -> RPCClient.Configuration {
        var configuration = RPCClient.Configuration()
        configuration.limits = limits
        configuration.interceptors = [TracingClientInterceptor()]
        if let signer {
            configuration.interceptors.append(AuthClientInterceptor(signer: signer, principal: Principal(subject: serviceName, role: .service)))
        }
        return configuration
    }
}
