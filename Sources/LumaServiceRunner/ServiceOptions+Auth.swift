import ArgumentParser
import Foundation
import LumaAuth
import LumaServiceKit

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
