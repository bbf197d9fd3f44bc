import ArgumentParser
import Foundation
import LumaAuth

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Bearer tokens.", subcommands: [Mint.self])

    struct Mint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mint a signed token with the services' key.",
            discussion: "Example: lumactl token mint --role creator --creator 3 --ttl 86400")

        @Option(help: "admin, service, creator or app (reads what is published).") var role: String
        @Option(help: "The creator id, for a creator token.") var creator: Int64?
        @Option(help: "Lifetime in seconds.") var ttl: Double = 3600
        @Option(help: "Subject (who the token is for).") var subject: String?
        @Option(help: "Key file (env LUMA_AUTH_KEY_FILE; default LUMA_DATA_DIR/auth.key or .luma/auth.key).")
        var key: String?

        func run() async throws {
            guard let parsed = Principal.Role(rawValue: role) else { throw ValidationError("--role must be admin, service, creator or app") }
            guard (parsed == .creator) == (creator != nil) else {
                throw ValidationError(parsed == .creator ? "a creator token needs --creator ID" : "--creator is only for creator tokens")
            }
            guard ttl > 0 && ttl <= 366 * 86400 else { throw ValidationError("--ttl must be between 1 second and a year") }
            let environment = ProcessInfo.processInfo.environment
            let path = key ?? environment["LUMA_AUTH_KEY_FILE"] ?? ((environment["LUMA_DATA_DIR"] ?? ".luma") + "/auth.key")
            do {
                let signer = try TokenSigner(key: try AuthKeyFile.read(path))
                let principal = Principal(subject: subject ?? (creator.map { "creator-\($0)" } ?? role), role: parsed, creatorID: creator)
                print(signer.mint(principal, ttl: ttl))
            } catch let error as AuthError {
                throw ValidationError("\(error)")
            }
        }
    }
}
