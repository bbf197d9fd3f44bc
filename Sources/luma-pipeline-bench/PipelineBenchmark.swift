import ArgumentParser
import ContentAPI
import Foundation
import LumaRPC
import LumaRPCNIO
import LumaSupervisor

/// End to end through the three service processes: plan and generate a year of content in both
/// modes (each bible item claims a verse in verse-registry, which checks the item back in
/// content-pipeline), then read the board over ten years of content.
/// Run in release: `swift build -c release && .build/release/luma-pipeline-bench`.
@main
struct PipelineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luma-pipeline-bench", abstract: "Plan+generate a year through three processes; board over ten years.")

    @Option(help: "Board queries to time.")
    var boardRuns = 200

    func run() async throws {
        let stack = try await LumaStack.start()
        do {
            try await measure(stack)
        } catch {
            for process in [stack.verses, stack.creators, stack.content].compactMap({ $0 }) {
                print("--- \(process.name) (running: \(process.isRunning))\n\(process.log.suffix(2000))")
            }
            await stack.stopAll()
            throw error
        }
        await stack.stopAll()
    }

    func measure(_ stack: LumaStack) async throws {
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = .seconds(300)
        let content = Luma_Content_V1_ContentPipelineClient(RPCClient(endpoints: [stack.contentEndpoint], configuration: configuration))

        // A year, both modes: 730 items, 365 verse claims across services.
        let clock = ContinuousClock()
        let started = clock.now
        let planned = try await content.plan(.with { $0.fromDate = "2027-01-01"; $0.toDate = "2027-12-31" })
        let generated = try await content.generate(.with { $0.range = .with { $0.fromDate = "2027-01-01"; $0.toDate = "2027-12-31" } })
        let yearTime = clock.now - started
        print("plan + generate 2027, both modes: \(planned.created) items planned, \(generated.generated) generated, "
              + "\(generated.failures.count) failures in \(format(yearTime)) (target < 2 s)")

        // Ten years on the board (2027 generated, the rest planned).
        let rest = try await content.plan(.with { $0.fromDate = "2028-01-01"; $0.toDate = "2036-12-31" })
        let total = Int(planned.created + rest.created)
        for countsOnly in [true, false] {
            var samples: [Duration] = []
            for _ in 0..<(countsOnly ? boardRuns : max(5, boardRuns / 20)) {
                let start = clock.now
                let board = try await content.board(.with { $0.fromDate = "2027-01-01"; $0.toDate = "2036-12-31"; $0.countsOnly = countsOnly })
                samples.append(clock.now - start)
                guard board.counts.map(\.count).reduce(0, +) == total else {
                    throw RPCError(.internalError, "the board counted \(board.counts.map(\.count).reduce(0, +)) items, not \(total)")
                }
            }
            samples.sort()
            print("board over ten years (\(total) items)\(countsOnly ? ", counts" : ", counts and items"): p50 \(format(samples[samples.count / 2])), "
                  + "p90 \(format(samples[samples.count * 9 / 10]))\(countsOnly ? " (target < 10 ms)" : "")")
        }
    }

    func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds < 1 ? String(format: "%.2f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }
}
