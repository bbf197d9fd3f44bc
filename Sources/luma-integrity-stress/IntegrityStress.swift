import ArgumentParser
import ContentAPI
import CreatorsAPI
import Foundation
import LumaRPC
import OpsAPI
import LumaRPCNIO

import LumaSupervisor

/// Races the cross-service foreign keys over three real service processes, many times, then
/// lets the outboxes drain and asks the integrity checker what dangles (it must be nothing):
///
/// - claim vs delete: `Generate` of a bible item (which claims a verse in verse-registry, which
///   checks the item back in content-pipeline) against `Delete` of that item (whose release
///   CASCADEs to the ledger through the outbox);
/// - assign vs creator delete: `Assign` of an item to a creator (checked in creator-registry)
///   against `DeleteCreator` (whose SET NULL reaches content-pipeline through the outbox).
///
/// Each race starts both calls together, the second after a random delay between zero and twice
/// the time the first takes alone (measured at start), so they meet at every stage of each
/// other and each side wins a share of the races. Not a test (it depends on timing by design); the forced,
/// deterministic versions of each race are in Tests/IntegrityTests. Results: docs/integrity.md.
/// Run in release: `swift build -c release && .build/release/luma-integrity-stress`.
@main
struct IntegrityStress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luma-integrity-stress", abstract: "Race cross-service writes and deletes; count the orphans left (must be 0).")

    @Option(help: "Races of each kind.")
    var races = 1000

    @Option(help: "Races run at once.")
    var concurrency = 16

    func run() async throws {
        guard races > 0, concurrency > 0 else { throw ValidationError("--races and --concurrency must be positive") }
        let stack = try await LumaStack.start()
        do {
            let orphans = try await stress(stack)
            await stack.stopAll()
            if orphans > 0 { throw ExitCode(1) }
        } catch let error as ExitCode {
            throw error
        } catch {
            for process in [stack.verses, stack.creators, stack.content].compactMap({ $0 }) {
                print("--- \(process.name) (running: \(process.isRunning))\n\(process.log.suffix(2000))")
            }
            await stack.stopAll()
            throw error
        }
    }

    struct Clients {
        let content: Luma_Content_V1_ContentPipelineClient
        let creators: Luma_Creators_V1_CreatorRegistryClient
        let contentOps: Luma_Ops_V1_OperationsClient
        let creatorOps: Luma_Ops_V1_OperationsClient
    }

    func stress(_ stack: LumaStack) async throws -> Int {
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = .seconds(120)
        let contentClient = RPCClient(endpoints: [stack.contentEndpoint], configuration: configuration)
        let creatorsClient = RPCClient(endpoints: [stack.creatorsEndpoint], configuration: configuration)
        let clients = Clients(
            content: .init(contentClient), creators: .init(creatorsClient),
            contentOps: .init(contentClient), creatorOps: .init(creatorsClient))
        let clock = ContinuousClock()

        // Calibrate: how long a generate and an assign take alone, under the same concurrency.
        let warmFrom = "2029-01-01", warmTo = "2029-01-16"
        _ = try await clients.content.plan(.with { $0.fromDate = warmFrom; $0.toDate = warmTo })
        let warm = try await items(clients, from: warmFrom, to: warmTo)
        let generateTime = try await median(warm) { id in _ = try await clients.content.generate(.with { $0.id = id }) }
        let warmCreator = try await newCreator(clients, index: -1)
        let assignTime = try await median(warm) { id in _ = try await clients.content.assign(.with { $0.id = id; $0.creatorID = warmCreator }) }
        print("alone: generate \(format(generateTime)), assign \(format(assignTime)) (median of \(warm.count), \(concurrency) at a time)")

        // Claim vs delete.
        let from = "2030-01-01"
        let to = CalendarDay(from).adding(races - 1)
        _ = try await clients.content.plan(.with { $0.fromDate = from; $0.toDate = to; $0.modes = [.bible] })
        let bible = try await items(clients, from: from, to: to)
        var started = clock.now
        let claimOutcomes = try await race(bible) { id in
            async let generate = outcome { _ = try await clients.content.generate(.with { $0.id = id }) }
            async let delete = outcome {
                try await Task.sleep(for: generateTime * Double.random(in: 0...2))
                _ = try await clients.content.delete(.with { $0.id = id })
            }
            return await (generate, delete)
        }
        print("claim vs delete: \(races) races in \(format(clock.now - started)); generate: \(summary(claimOutcomes.map(\.0))); "
              + "delete: \(summary(claimOutcomes.map(\.1)))")

        // Assign vs creator delete (positivity items: no verse needed).
        let assignFrom = "2040-01-01"
        let assignTo = CalendarDay(assignFrom).adding(races - 1)
        _ = try await clients.content.plan(.with { $0.fromDate = assignFrom; $0.toDate = assignTo; $0.modes = [.positivity] })
        _ = try await clients.content.generate(.with { $0.range = .with { $0.fromDate = assignFrom; $0.toDate = assignTo } })
        let positivity = try await items(clients, from: assignFrom, to: assignTo)
        var creators: [Int64] = []
        for index in positivity.indices { creators.append(try await newCreator(clients, index: index)) }
        let pairs = Dictionary(uniqueKeysWithValues: zip(positivity, creators))
        started = clock.now
        let assignOutcomes = try await race(positivity) { id in
            let creator = pairs[id]!
            async let assign = outcome { _ = try await clients.content.assign(.with { $0.id = id; $0.creatorID = creator }) }
            async let delete = outcome {
                try await Task.sleep(for: assignTime * Double.random(in: 0...2))
                _ = try await clients.creators.deleteCreator(.with { $0.id = creator })
            }
            return await (assign, delete)
        }
        print("assign vs creator delete: \(races) races in \(format(clock.now - started)); assign: \(summary(assignOutcomes.map(\.0))); "
              + "delete: \(summary(assignOutcomes.map(\.1)))")

        // Let the outboxes drain, then look for orphans.
        started = clock.now
        while true {
            let pending = try await clients.contentOps.outboxStatus(.init()).pending + clients.creatorOps.outboxStatus(.init()).pending
            if pending == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        print("outboxes drained \(format(clock.now - started)) after the last race")
        let report = try await clients.content.checkIntegrity(.init())
        let kinds: [(String, [Int64])] = [
            ("ledger rows whose content is gone", report.ledgerOrphanContentIds),
            ("bible items without a ledger row", report.bibleItemsWithoutLedgerRow),
            ("bible items whose verse another holds", report.bibleItemsWithForeignLedgerRow),
            ("bible items holding other verses", report.bibleItemsHoldingOtherVerses),
            ("content whose creator is gone", report.contentWithMissingCreator),
            ("creators whose user is gone", report.creatorsWithMissingUser),
        ]
        for (kind, ids) in kinds { print("orphans, \(kind): \(ids.count)\(ids.isEmpty ? "" : " \(ids.prefix(20))")") }
        print("outbox failed: \(report.outboxFailed)")
        await contentClient.close()
        await creatorsClient.close()
        return kinds.map(\.1.count).reduce(0, +) + Int(report.outboxFailed)
    }

    func newCreator(_ clients: Clients, index: Int) async throws -> Int64 {
        let user = try await clients.creators.createUser(.with {
            $0.email = "stress\(index)@example.com"; $0.displayName = "Stress \(index)"; $0.role = .creator
        })
        return try await clients.creators.createCreator(.with {
            $0.userID = user.id; $0.displayName = "Stress \(index)"; $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = 1000
        }).id
    }

    /// The median time of `body` over `ids`, run `concurrency` at a time.
    func median(_ ids: [Int64], _ body: @escaping @Sendable (Int64) async throws -> Void) async throws -> Duration {
        let clock = ContinuousClock()
        var times = try await race(ids) { id -> Duration in
            let start = clock.now
            try? await body(id)
            return clock.now - start
        }
        times.sort()
        return times[times.count / 2]
    }

    func items(_ clients: Clients, from: String, to: String) async throws -> [Int64] {
        var ids: [Int64] = []
        var token = ""
        repeat {
            let page = try await clients.content.list(.with { $0.fromDate = from; $0.toDate = to; $0.pageSize = 1000; $0.pageToken = token })
            ids += page.items.map(\.id)
            token = page.nextPageToken
        } while !token.isEmpty
        return ids
    }

    /// Runs `body` for every id, `concurrency` at a time.
    func race<T: Sendable>(_ ids: [Int64], _ body: @escaping @Sendable (Int64) async -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: T.self) { group in
            var queue = ids.makeIterator()
            var results: [T] = []
            for _ in 0..<concurrency {
                guard let id = queue.next() else { break }
                group.addTask { await body(id) }
            }
            while let result = try await group.next() {
                results.append(result)
                if let id = queue.next() { group.addTask { await body(id) } }
            }
            return results
        }
    }

    /// A call's status code (OK or the error's).
    func outcome(_ body: () async throws -> Void) async -> RPCStatusCode {
        do {
            try await body()
            return .ok
        } catch {
            return (error as? RPCError)?.code ?? .unknown
        }
    }

    func summary(_ codes: [RPCStatusCode]) -> String {
        Dictionary(grouping: codes, by: { "\($0)" }).map { "\($0.key) \($0.value.count)" }.sorted().joined(separator: ", ")
    }

    func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.1f s", seconds)
    }
}

/// Just enough calendar for date ranges.
struct CalendarDay {
    let date: Date
    static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()
    init(_ text: String) { date = Self.formatter.date(from: text)! }
    func adding(_ days: Int) -> String { Self.formatter.string(from: date.addingTimeInterval(Double(days) * 86_400)) }
}
