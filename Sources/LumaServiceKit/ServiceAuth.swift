import ArgumentParser
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

extension ServiceOptions {
    /// Reads the shared key (--auth-key or LUMA_AUTH_KEY_FILE); refuses to run without one
    /// unless --insecure-dev was given.
    public func auth(serviceName: String) throws -> ServiceAuth {
        let tls = try peerTLS()
        if insecureDev {
            return ServiceAuth(signer: nil, serviceName: serviceName, peerTLS: tls)
        }
        guard let path = authKey ?? ProcessInfo.processInfo.environment["LUMA_AUTH_KEY_FILE"] else {
            throw ValidationError("""
                no auth key: pass --auth-key PATH (or set LUMA_AUTH_KEY_FILE) to the key the services share, \
                or --insecure-dev to run without authentication on a development machine
                """)
        }
        do {
            return ServiceAuth(signer: try TokenSigner(key: try AuthKeyFile.read(path)), serviceName: serviceName, peerTLS: tls)
        } catch let error as AuthError {
            throw ValidationError("--auth-key: \(error)")
        }
    }
}
