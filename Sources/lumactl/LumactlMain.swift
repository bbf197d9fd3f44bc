import ArgumentParser
import Foundation
import LumaCLI

/// The executable is only this: every command lives in LumaCLI.
@main
struct LumactlMain: AsyncParsableCommand {
    static let configuration = Lumactl.configuration

    /// Endpoint and token options written before the subcommand are moved after it.
    static func main() async {
        await main(GlobalOptions.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
    }
}
