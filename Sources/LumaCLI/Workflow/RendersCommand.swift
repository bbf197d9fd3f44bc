import ArgumentParser
import ContentAPI
import Foundation
import LumaRPC

/// `lumactl renders`: AI creators' render jobs, like `lumactl outbox` for deliveries.
struct RendersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renders", abstract: "AI creators' render jobs: in flight, failed, submitted; retry a failed one.",
        subcommands: [List.self, Retry.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render jobs, newest first.")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "Only these states, comma-separated: queued, starting, rendering, storing, submitted, failed, cancelled.")
        var state: String?
        @Option(help: "At most this many.") var limit: UInt32 = 50

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let answer = try await client.listRenders(.with {
                    $0.states = state.map { $0.split(separator: ",").map(String.init) } ?? []
                    $0.pageSize = limit
                })
                if endpoints.json { return try Output.json(answer) }
                Output.table(["JOB", "ITEM", "CREATOR", "STATE", "VENDOR VIDEO", "ATTEMPTS", "UPDATED", "NEXT", "ERROR"], answer.jobs.map {
                    ["\($0.id)", "\($0.dailyContentID)", "\($0.creatorID)", $0.state, $0.vendorVideoID.isEmpty ? "-" : $0.vendorVideoID,
                     "\($0.attempts)", $0.updatedAt, $0.nextAttemptAt.isEmpty ? "-" : $0.nextAttemptAt,
                     $0.lastError.isEmpty ? "-" : ($0.retryable ? "retrying: " : "") + $0.lastError]
                })
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start an item's failed render again (or assign a person instead).")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "The item.") var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.retryRender(.with { $0.id = id })
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id): render \(item.render.id) is \(item.render.state) again")
            }
        }
    }
}
