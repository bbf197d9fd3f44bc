import ArgumentParser
import LumaCLI

/// The executable is only this: every command lives in LumaCLI.
@main
struct LumactlMain: AsyncParsableCommand {
    static let configuration = Lumactl.configuration
}
