import ArgumentParser
import ContentAPI
import Foundation
import LumaRPC
import LumaServiceKit

struct IntegrityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "integrity", abstract: "Cross-service foreign keys.",
                                                    subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find orphans across the three services; --repair applies the FK rules.")
        @OptionGroup var endpoints: EndpointOptions
        @Flag(help: "Apply CASCADE / SET NULL to what is found.") var repair = false

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let report = try await client.checkIntegrity(.with { $0.repair = repair }, options: .init(timeout: .seconds(120)))
                if endpoints.json { return try Output.json(report) }
                func ids(_ list: [Int64]) -> String { list.isEmpty ? "none" : list.map(String.init).joined(separator: ", ") }
                print("ledger rows whose content is gone:     \(ids(report.ledgerOrphanContentIds))")
                print("content whose creator is gone:         \(ids(report.contentWithMissingCreator))")
                print("creators whose user is gone:           \(ids(report.creatorsWithMissingUser))")
                print("outbox: \(report.outboxPending) pending, \(report.outboxFailed) failed")
                for note in report.notes { print("note: \(note)") }
                if report.repaired { print("repaired") }
            }
        }
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "Pending and failed cross-service deliveries.")
    @OptionGroup var endpoints: EndpointOptions

    func run() async throws {
        try await reportingErrors {
            let services = [("content-pipeline", try endpoints.contentClient()), ("creator-registry", try endpoints.creatorsClient())]
            var rows: [[String]] = []
            var entries: [[String]] = []
            for (name, client) in services {
                let status = try await Luma_Ops_V1_OperationsClient(client).outboxStatus(.with { $0.includeEntries = true })
                if endpoints.json { try Output.json(status); continue }
                rows.append([name, "\(status.pending)", "\(status.failed)", String(format: "%.0fs", status.oldestPendingAgeSeconds)])
                entries += status.entries.map { [name, $0.kind, $0.target, "\($0.attempts)", $0.failed ? "failed" : "pending", $0.lastError] }
            }
            if endpoints.json { return }
            Output.table(["SERVICE", "PENDING", "FAILED", "OLDEST"], rows)
            if !entries.isEmpty {
                print("")
                Output.table(["SERVICE", "KIND", "TARGET", "ATTEMPTS", "STATE", "LAST ERROR"], entries)
            }
        }
    }
}
