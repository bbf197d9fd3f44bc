import ArgumentParser
import Foundation
import LumaCLI

/// The executable is only this: every command lives in LumaCLI.
@main
struct LumactlMain: AsyncParsableCommand {
    static let configuration = Lumactl.configuration

    /// Endpoint and token options written before the subcommand are moved after it; the
    /// command's RPC clients are closed before the process exits (Lumactl.execute).
    static func main() async {
        do {
            try await Lumactl.execute(GlobalOptions.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
        } catch {
            Lumactl.exit(withError: error)
        }
    }
}
