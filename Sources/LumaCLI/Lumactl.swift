import ArgumentParser

/// `lumactl`: a generic client for any Luma RPC server (list, describe, call, health) and the
/// operator's workflow commands, plus `up` for a local stack.
public struct Lumactl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lumactl",
        abstract: "Call Luma services, drive the content workflow, run a local stack.",
        discussion: """
            Endpoints come from --verses/--creators/--content or LUMA_VERSES, LUMA_CREATORS, \
            LUMA_CONTENT (HOST:PORT[,HOST:PORT]); the defaults are the local stack's ports. \
            A failed call prints CODE: message on stderr and exits with the gRPC status number.             Calls carry --token or LUMA_TOKEN; without either, lumactl mints an admin token from the             local stack's key (LUMA_DATA_DIR/auth.key, default .luma/auth.key) when it exists.
            """,
        subcommands: [
            UpCommand.self, ListCommand.self, DescribeCommand.self, CallCommand.self, HealthCommand.self,
            VersesCommand.self, UsersCommand.self, CreatorsCommand.self, ContentCommand.self, BoardCommand.self,
            IntegrityCommand.self, OutboxCommand.self, TokenCommand.self,
        ])

    public init() {}
}
