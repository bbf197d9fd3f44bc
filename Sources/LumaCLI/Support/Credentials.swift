import Foundation
import LumaAuth
import LumaRPC

/// The token lumactl sends: --token, else LUMA_TOKEN, else an admin token minted from the local
/// stack's key (LUMA_DATA_DIR/auth.key, default .luma/auth.key) when that file exists — which is
/// how the README's commands work against `lumactl up` with no setup.
enum Credentials {
    static func token(flag: String?) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let token = flag ?? environment["LUMA_TOKEN"], !token.isEmpty { return token }
        let keyPath = (environment["LUMA_DATA_DIR"] ?? ".luma") + "/auth.key"
        guard FileManager.default.fileExists(atPath: keyPath),
              let signer = try? TokenSigner(key: try AuthKeyFile.read(keyPath)) else { return nil }
        return signer.mint(Principal(subject: "lumactl", role: .admin), ttl: 3600)
    }

    static func interceptors(flag: String?) -> [any RPCClientInterceptor] {
        token(flag: flag).map { [AuthClientInterceptor(token: $0)] } ?? []
    }
}
