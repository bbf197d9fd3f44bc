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
            A failed call prints CODE: message on stderr and exits with the gRPC status number.
            """,
        subcommands: [
            UpCommand.self, ListCommand.self, DescribeCommand.self, CallCommand.self, HealthCommand.self,
            VersesCommand.self, UsersCommand.self, CreatorsCommand.self, ContentCommand.self, BoardCommand.self,
            IntegrityCommand.self, OutboxCommand.self,
        ])

    public init() {}
}
