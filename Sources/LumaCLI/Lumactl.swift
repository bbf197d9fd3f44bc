import ArgumentParser

/// `lumactl`: a generic client for any Luma RPC server (list, describe, call, health) and the
/// operator's workflow commands, plus `up` for a local stack.
public struct Lumactl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lumactl",
        abstract: "Call Luma services, drive the content workflow, run a local stack.",
        discussion: """
            Endpoints come from --verses/--creators/--content/--media or LUMA_VERSES, LUMA_CREATORS, \
            LUMA_CONTENT, LUMA_MEDIA (HOST:PORT[,HOST:PORT]); the defaults are the local stack's ports. \
            A failed call prints CODE: message on stderr and exits with the gRPC status number. \
            Calls carry --token or LUMA_TOKEN; without either, lumactl mints an admin token from the \
            local stack's key (LUMA_DATA_DIR/auth.key, default .luma/auth.key) when it exists. \
            Endpoint and token options may come before the subcommand too: \
            lumactl --content HOST:PORT content list.
            """,
        subcommands: [
            UpCommand.self, ListCommand.self, DescribeCommand.self, CallCommand.self, HealthCommand.self,
            VersesCommand.self, UsersCommand.self, CreatorsCommand.self, ContentCommand.self, MediaCommand.self, RendersCommand.self, BoardCommand.self,
            IntegrityCommand.self, OutboxCommand.self, BackupCommand.self, TokenCommand.self, CertsCommand.self,
        ])

    public init() {}

    /// Parses `arguments` and runs the command, as ArgumentParser's `main` does, then closes
    /// every RPC client the command opened (OpenClients), also when it failed; the error is
    /// rethrown for `exit(withError:)`.
    public static func execute(_ arguments: [String]) async throws {
        do {
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            await OpenClients.shared.closeAll()
            throw error
        }
        await OpenClients.shared.closeAll()
    }
}

/// Options every service-calling subcommand takes, which users also write before the
/// subcommand (`lumactl --content X content list`). ArgumentParser only knows them after it, so
/// `arguments` moves the leading ones to the end.
public enum GlobalOptions {
    static let withValue: Set<String> = ["--verses", "--creators", "--content", "--media", "--timeout", "--token", "--max-frame-size",
                                         "--tls-ca", "--tls-cert", "--tls-key"]
    static let flags: Set<String> = ["--json"]

    public static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if flags.contains(argument) {
                leading.append(argument)
                index += 1
            } else if withValue.contains(name) && argument.contains("=") {
                leading.append(argument)
                index += 1
            } else if withValue.contains(argument) && index + 1 < arguments.endIndex {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        return Array(arguments[index...]) + leading
    }
}
