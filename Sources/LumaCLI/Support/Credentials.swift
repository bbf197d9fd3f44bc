import Foundation
import LumaAuth
import LumaDefaults
import LumaRPC

/// The token lumactl sends: --token, else LUMA_TOKEN, else an admin token minted from the local
/// stack's key (LUMA_DATA_DIR/auth.key, default .luma/auth.key) when that file exists — which is
/// how the README's commands work against `lumactl up` with no setup.
enum Credentials {
    static func token(flag: String?) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let token = flag ?? environment["LUMA_TOKEN"], !token.isEmpty { return token }
        let keyPath = (environment["LUMA_DATA_DIR"] ?? LumaDefaults.dataDirectory) + "/auth.key"
        guard FileManager.default.fileExists(atPath: keyPath),
              let signer = try? TokenSigner(key: try AuthKeyFile.read(keyPath)) else { return nil }
        return signer.mint(Principal(subject: "lumactl", role: .admin), ttl: 3600)
    }

    static func interceptors(flag: String?) -> [any RPCClientInterceptor] {
        [TokenHintInterceptor(sentToken: token(flag: flag) != nil)] + (token(flag: flag).map { [AuthClientInterceptor(token: $0)] } ?? [])
    }

    /// Where tokens come from, for an UNAUTHENTICATED answer.
    static var whereTokensComeFrom: String {
        let directory = ProcessInfo.processInfo.environment["LUMA_DATA_DIR"] ?? LumaDefaults.dataDirectory
        return "lumactl sends --token or LUMA_TOKEN, else mints an admin token from the local stack's key \(directory)/auth.key "
            + "(set LUMA_DATA_DIR to the stack's data directory); `lumactl token mint` makes others"
    }
}

/// Adds where tokens come from to an UNAUTHENTICATED answer.
struct TokenHintInterceptor: RPCClientInterceptor {
    let sentToken: Bool

    func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
        do {
            return try await next(request)
        } catch let error as RPCError where error.code == .unauthenticated {
            let what = sentToken ? "the token was refused" : "no token was sent"
            throw RPCError(.unauthenticated, "\(error.message) (\(what): \(Credentials.whereTokensComeFrom))", field: error.field)
        }
    }
}
