import ArgumentParser
import ContentAPI
import Foundation
import LumaRPC
import LumaValues
import OpsAPI

struct IntegrityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "integrity", abstract: "Cross-service foreign keys.",
                                                    subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find orphans across the three services; --repair applies the FK rules.")
        @OptionGroup var endpoints: EndpointOptions
        @Flag(help: "Apply CASCADE / SET NULL to what is found, claim lost verses again, and say what was done per kind.") var repair = false

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let report = try await client.checkIntegrity(.with { $0.repair = repair }, options: .init(timeout: .seconds(120)))
                if endpoints.json { return try Output.json(report) }
                func ids(_ list: [Int64]) -> String { list.isEmpty ? "none" : list.map(String.init).joined(separator: ", ") }
                print("ledger rows whose content is gone:     \(ids(report.ledgerOrphanContentIds))")
                print("bible items without a ledger row:      \(ids(report.bibleItemsWithoutLedgerRow))")
                print("bible items whose verse another holds: \(ids(report.bibleItemsWithForeignLedgerRow))")
                print("bible items holding other verses:      \(ids(report.bibleItemsHoldingOtherVerses))")
                print("content whose creator is gone:         \(ids(report.contentWithMissingCreator))")
                print("creators whose user is gone:           \(ids(report.creatorsWithMissingUser))")
                print("content whose media is gone:           \(ids(report.contentWithMissingMedia))")
                print("outbox: \(report.outboxPending) pending, \(report.outboxFailed) failed")
                for note in report.notes { print("note: \(note)") }
                if report.repaired { print("repaired") }
            }
        }
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Pending and failed cross-service deliveries.",
        subcommands: [Status.self, Retry.self], defaultSubcommand: Status.self)

    /// The services that keep an outbox, by the name operators use.
    enum ServiceName: String, CaseIterable, ExpressibleByArgument {
        case contentPipeline = "content-pipeline"
        case creatorRegistry = "creator-registry"

        func client(_ endpoints: EndpointOptions) throws -> Luma_Ops_V1_OperationsClient {
            switch self {
            case .contentPipeline: Luma_Ops_V1_OperationsClient(try endpoints.contentClient())
            case .creatorRegistry: Luma_Ops_V1_OperationsClient(try endpoints.creatorsClient())
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts per service, then every queued entry.")
        @OptionGroup var endpoints: EndpointOptions

        /// Every service is asked even if another is down (that is when its pending SET NULL or
        /// CASCADE matters most); one that cannot be reached is shown as such, and lumactl then
        /// exits with that call's status.
        func run() async throws {
            try await reportingErrors {
                var rows: [[String]] = []
                var entries: [[String]] = []
                var document: [String: Any] = [:]
                var firstFailure: RPCError?
                for service in ServiceName.allCases {
                    do {
                        let status = try await service.client(endpoints).outboxStatus(.with { $0.includeEntries = true })
                        document[service.rawValue] = try Output.jsonValue(status)
                        rows.append([service.rawValue, "\(status.pending)", "\(status.failed)", String(format: "%.0fs", status.oldestPendingAgeSeconds)])
                        entries += status.entries.map {
                            [service.rawValue, "\($0.id)", $0.kind, $0.target, "\($0.attempts)", $0.failed ? "failed" : "pending", $0.lastError]
                        }
                    } catch let error as RPCError {
                        firstFailure = firstFailure ?? error
                        document[service.rawValue] = ["unreachable": "\(error.code): \(error.message)"]
                        rows.append([service.rawValue, "?", "?", "unreachable: \(error.code)"])
                    }
                }
                if endpoints.json {
                    Output.json(object: document)
                } else {
                    Output.table(["SERVICE", "PENDING", "FAILED", "OLDEST"], rows)
                    if !entries.isEmpty {
                        print("")
                        Output.table(["SERVICE", "ID", "KIND", "TARGET", "ATTEMPTS", "STATE", "LAST ERROR"], entries)
                    }
                }
                if let firstFailure { throw firstFailure }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-queue failed deliveries once their cause is fixed (all failed ones, or --id with --service).")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "Only this service's outbox: content-pipeline or creator-registry.") var service: ServiceName?
        @Option(name: .customLong("id"), help: "An entry id from `lumactl outbox` (repeatable; needs --service).") var ids: [Int64] = []

        func validate() throws {
            if !ids.isEmpty && service == nil {
                throw ValidationError("--id needs --service: entry ids are per service")
            }
        }

        func run() async throws {
            try await reportingErrors {
                var document: [String: Any] = [:]
                for service in service.map({ [$0] }) ?? ServiceName.allCases {
                    let response = try await service.client(endpoints).retryFailed(.with { $0.ids = ids })
                    document[service.rawValue] = try Output.jsonValue(response)
                    if endpoints.json { continue }
                    let list = response.requeuedIds.map(String.init).joined(separator: ", ")
                    print("\(service.rawValue): re-queued \(response.requeuedIds.count)\(list.isEmpty ? "" : " (\(list))")")
                }
                if endpoints.json { Output.json(object: document) }
            }
        }
    }
}
